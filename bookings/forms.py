from django import forms


class BookingDetailsForm(forms.Form):
    """Per-booking answers; per-delegate needs are added as fields named needs-<id>-…"""

    po_number = forms.CharField(label="Purchase order (PO) number", max_length=40, required=False)
    terms = forms.BooleanField(
        label="I accept the booking terms and the cancellation terms above",
        error_messages={"required": "Accept the booking terms to continue."},
    )

    def __init__(self, *args, delegates, po_required, **kwargs):
        super().__init__(*args, **kwargs)
        self.delegates = delegates
        self.fields["po_number"].required = po_required
        if po_required:
            self.fields["po_number"].error_messages["required"] = (
                "Your school needs a purchase order (PO) number for every booking."
            )
            self.fields["po_number"].help_text = "Your school asks for one on every booking."
        for person in delegates:
            name = person.get_full_name() or person.email
            self.fields[f"needs-{person.pk}-access"] = forms.CharField(
                label=f"Access needs for {name}",
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="For example step-free access, a hearing loop or large print.",
            )
            self.fields[f"needs-{person.pk}-dietary"] = forms.CharField(
                label=f"Dietary needs for {name}",
                required=False,
                max_length=300,
            )
        for person in delegates:
            name = person.get_full_name() or person.email
            self.fields[f"outcome-{person.pk}"] = forms.CharField(
                label=f"What {name} wants to change in their practice (optional)",
                required=False,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="One or two sentences. The evaluation and the follow-up some weeks "
                "later ask how far it has changed; the school's CPD lead sees both.",
            )

    def needs_fields(self):
        return [f for f in self if f.name.startswith("needs-")]

    def outcome_fields(self):
        return [f for f in self if f.name.startswith("outcome-")]

    def needs_for(self, person):
        """(access needs, dietary needs, intended outcome): a Delegate's fields, in order."""
        return (
            self.cleaned_data.get(f"needs-{person.pk}-access", ""),
            self.cleaned_data.get(f"needs-{person.pk}-dietary", ""),
            self.cleaned_data.get(f"outcome-{person.pk}", ""),
        )


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, cancel this place",
        error_messages={"required": "Tick the box to confirm you want to cancel."},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.HiddenInput,  # the page's two buttons send it
        error_messages={
            "required": "Choose approve or decline.",
            "invalid_choice": "Choose approve or decline.",
        },
    )
    reason = forms.CharField(
        label="Reason for declining",
        required=False,
        max_length=160,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only to decline. We email it to the teacher.",
        error_messages={"max_length": "Keep the reason to 160 characters or fewer."},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for declining: the teacher will see it.")
        return data


class ReservePlacesForm(forms.Form):
    """A CPD lead reserves places for their school, naming people later."""

    places = forms.IntegerField(
        label="How many places",
        min_value=1,
        error_messages={
            "required": "Enter how many places to reserve.",
            "invalid": "Enter a whole number of places, like 3.",
            "min_value": "Reserve at least one place.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    po_number = forms.CharField(label="Purchase order (PO) number", max_length=40, required=False)
    terms = forms.BooleanField(
        label="I accept the booking terms and the cancellation terms above",
        error_messages={"required": "Accept the booking terms to continue."},
    )

    def __init__(self, *args, places_left, po_required, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].max_value = places_left
        self.fields["places"].widget.attrs["max"] = places_left
        self.fields["places"].help_text = f"Up to {places_left}: the places left on this date."
        if po_required:
            self.fields["po_number"].required = True
            self.fields["po_number"].error_messages["required"] = (
                "Your school needs a purchase order (PO) number for every booking."
            )

    def clean_places(self):
        places = self.cleaned_data["places"]
        most = self.fields["places"].max_value
        if most <= 0:
            raise forms.ValidationError("This date is full: there are no places left to reserve.")
        if places > most:
            raise forms.ValidationError(
                f"Only {most} place{'s' if most != 1 else ''} left; you asked to reserve {places}."
            )
        return places


class NameReservedPlaceForm(forms.Form):
    """Name a colleague for one reserved place, with the needs a booking asks for."""

    delegate = forms.TypedChoiceField(
        label="Who is going",
        coerce=int,
        error_messages={
            "required": "Choose who is going.",
            "invalid_choice": "Choose someone on your school's staff list.",
        },
    )
    access_needs = forms.CharField(
        label="Access needs",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example step-free access, a hearing loop or large print.",
    )
    dietary_needs = forms.CharField(label="Dietary needs", required=False, max_length=300)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].choices = [("", "Choose a colleague")] + [
            (p.pk, p.get_full_name() or p.email) for p in staff
        ]


class GiveBackPlacesForm(forms.Form):
    count = forms.IntegerField(
        label="Places to give back",
        min_value=1,
        error_messages={
            "required": "Enter how many places to give back.",
            "invalid": "Enter a whole number of places, like 1.",
            "min_value": "Give back at least one place.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
