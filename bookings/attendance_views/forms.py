"""The forms of the pages after the course: a walk-in, an evaluation, an impact answer,
a waived no-show charge."""

from django import forms

from .. import attendance
from ..admin_views import open_schools


class WalkInForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=open_schools(),
        empty_label="Choose their school",
        error_messages={
            "required": "Choose the school they work at.",
            # A school closed or gone since the page was drawn.
            "invalid_choice": "Choose the school they work at from the list.",
        },
    )
    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their first name."}
    )
    last_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their last name."}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Their certificate and evaluation go here.",
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address like name@school.sch.uk.",
        },
    )
    po_number = forms.CharField(
        label="Purchase order (PO) number",
        max_length=40,
        required=False,
        help_text="Only if their school needs one on every booking.",
    )


RATING_CHOICES = [
    (1, "1 (poor)"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 (excellent)"),
]


def _outcome_fields(form, intended_outcome):
    """The scale and comment about the intended outcome, when the place has one."""
    if not intended_outcome:
        return
    message = "Say how far what you wanted to change has changed, from 1 to 5."
    form.fields["outcome_progress"] = forms.TypedChoiceField(
        label=f"You said you wanted to change: “{intended_outcome}”. How far has that changed?",
        choices=attendance.OUTCOME_SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )
    form.fields["outcome_comment"] = forms.CharField(
        label="Anything to add about that change? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EvaluationForm(forms.Form):
    will_do_differently = forms.CharField(
        label="What will you do differently after this course?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what you will do differently."},
    )
    comments = forms.CharField(
        label="Any other comments",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, intended_outcome="", **kwargs):
        super().__init__(*args, **kwargs)
        _outcome_fields(self, intended_outcome)
        for name, label in attendance.RATING_QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Rate “{label.lower()}” from 1 to 5.",
                    "invalid_choice": f"Rate “{label.lower()}” from 1 to 5.",
                },
            )
        # Ratings first, as the page shows them.
        self.order_fields([name for name, _ in attendance.RATING_QUESTIONS])

    def rating_fields(self):
        return [self[name] for name, _ in attendance.RATING_QUESTIONS]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="What has changed in practice since the course?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write what changed, even if it is “not much yet”."},
    )

    def __init__(self, *args, intended_outcome="", **kwargs):
        super().__init__(*args, **kwargs)
        _outcome_fields(self, intended_outcome)  # the delegate's form only


class WaiveForm(forms.Form):
    reason = forms.CharField(
        max_length=150, error_messages={"required": "Give a reason for waiving the charge."}
    )
