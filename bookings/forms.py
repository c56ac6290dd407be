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

    def needs_for(self, person):
        return (
            self.cleaned_data.get(f"needs-{person.pk}-access", ""),
            self.cleaned_data.get(f"needs-{person.pk}-dietary", ""),
        )


class CancelForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, cancel this place",
        error_messages={"required": "Tick the box to confirm you want to cancel."},
    )
