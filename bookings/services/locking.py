"""The row locks every change of a place takes, always the run first, and the history each
change writes (EnrolmentEvent)."""

from courses.models import CourseRun

from ..models import Enrolment, EnrolmentEvent
from .refusals import BookingRefused, _may_manage


def _lock_run(run_id):
    """Take the run's row lock; every booking on this run now queues behind us."""
    return CourseRun.objects.select_for_update().select_related("course").get(pk=run_id)


def _locked_enrolment(enrolment_id, by):
    """Lock the run first (the order every booking path uses), then the enrolment."""
    enrolment = Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
    if enrolment is None or not _may_manage(by, enrolment):
        raise BookingRefused("That booking was not found.", "not_found")
    run = _lock_run(enrolment.run_id)
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("booking__school", "delegate", "run__course")
        .get(pk=enrolment_id)
    )
    return run, enrolment


def record(enrolment, to_status, actor, note="", from_status=""):
    EnrolmentEvent.objects.create(
        enrolment=enrolment, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def _set_status(enrolment, to_status, actor, note="", **fields):
    from_status = enrolment.status
    enrolment.status = to_status
    if to_status != Enrolment.Status.PENDING_APPROVAL:
        enrolment.approval_stage = ""  # a decided place waits for nobody
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save()
    record(enrolment, to_status, actor, note, from_status=from_status)
