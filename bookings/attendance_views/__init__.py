"""Pages after the course: registers (for facilitators and the bookings team), evaluations,
certificates and their public check, impact follow-ups, and CPD records, one module per area
(forms, registers, attendees, records). Thin: each change goes through bookings.attendance;
a refusal is shown and nothing is written. The views urls.py names are re-exported here."""

from .attendees import (
    CERTIFICATE_NUMBER,
    certificate,
    check_certificate,
    evaluate,
    impact,
    verify_certificate,
)
from .forms import RATING_CHOICES, AnswerForm, EvaluationForm, WaiveForm, WalkInForm
from .records import (
    my_record,
    my_record_csv,
    my_record_pdf,
    school_record,
    school_record_csv,
    school_record_pdf,
)
from .registers import (
    close,
    mark,
    print_register,
    registers,
    run_register,
    session_register,
    waive,
    walk_in,
)

__all__ = [
    "AnswerForm",
    "CERTIFICATE_NUMBER",
    "EvaluationForm",
    "RATING_CHOICES",
    "WaiveForm",
    "WalkInForm",
    "certificate",
    "check_certificate",
    "close",
    "evaluate",
    "impact",
    "mark",
    "my_record",
    "my_record_csv",
    "my_record_pdf",
    "print_register",
    "registers",
    "run_register",
    "school_record",
    "school_record_csv",
    "school_record_pdf",
    "session_register",
    "verify_certificate",
    "waive",
    "walk_in",
]
