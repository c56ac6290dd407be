"""Marking and closing the register. Places change state here only at the register's
close (confirmed -> attended or no_show) and when a no-show charge is waived; walk-ins are
booked through bookings.services.book_places(), like every other place."""

from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.services import AccountsError, invite_colleague
from courses.models import CoursePage, CourseRun, Session

from .. import signals
from ..models import (
    Attendance,
    Booking,
    Enrolment,
    RegisterClosure,
)
from ..services import (
    BookingRefused,
    BookingRequest,
    Delegate,
    _lock_run,
    _set_status,
    book_places,
    record,
)
from .registers import held_sessions, may_add_walk_in, may_take_register


def _session_for_register(session_id, by):
    session = Session.objects.select_related("run").filter(pk=session_id).first()
    if session is None or not may_take_register(by, session.run):
        raise BookingRefused("That register was not found.", "not_found")
    return session


def why_not_markable(run, session, now=None):
    """Why this session's register cannot be marked now, or "" when it can."""
    now = now or timezone.now()
    if RegisterClosure.objects.filter(run=run).exists():
        return "This register is closed; attendance can no longer change."
    if run.status == CourseRun.Status.CANCELLED:
        return "This run was cancelled; it has no register."
    if session.cancelled_at is not None:
        return "This session was called off; it needs no register."
    day = timezone.localdate(session.starts_at)
    if day > timezone.localdate(now):
        return f"This session is on {day:%A %-d %B}; mark the register on the day."
    return ""


def _check_markable(run, session, now):
    reason = why_not_markable(run, session, now)
    if reason:
        raise BookingRefused(reason, "not_markable")


def mark_attendance(session_id, enrolment_id, *, present, by, now=None):
    """One tap on the register: this delegate was at this session, or was not."""
    now = now or timezone.now()
    session = _session_for_register(session_id, by)
    with transaction.atomic():
        # The run's lock, as closing takes it: a mark never lands on a closed register.
        run = _lock_run(session.run_id)
        _check_markable(run, session, now)
        enrolment = Enrolment.objects.filter(
            pk=enrolment_id, run=run, status=Enrolment.Status.CONFIRMED
        ).first()
        if enrolment is None:
            raise BookingRefused("That person is not on this register.", "not_on_register")
        attendance, _ = Attendance.objects.update_or_create(
            enrolment=enrolment, session=session, defaults={"present": present, "marked_by": by}
        )
    return attendance


def add_walk_in(session_id, *, by, school, first_name, last_name, email, po_number="", now=None):
    """Someone turns up without a place: book them through book_places() as an on-the-day
    addition (adding them to the school's staff list first if need be) and mark them present.
    All or nothing: a refused booking leaves no new person behind."""
    now = now or timezone.now()
    session = _session_for_register(session_id, by)
    if not may_add_walk_in(by, session.run_id):
        raise BookingRefused("Ask the bookings team to add someone on the day.", "forbidden")
    with transaction.atomic():
        run = _lock_run(session.run_id)  # book_places() takes it again: same transaction, no wait
        _check_markable(run, session, now)
        try:
            # may_add_walk_in() above stands in for the school-manager check.
            person = invite_colleague(
                school,
                by=by,
                first_name=first_name,
                last_name=last_name,
                email=email,
                walk_in=True,
            )
        except AccountsError as refusal:
            raise BookingRefused(str(refusal), "person") from None
        booking = book_walk_in(run.pk, school=school, person=person, by=by, po=po_number)
        enrolment = booking.enrolments.get()
        Attendance.objects.create(enrolment=enrolment, session=session, present=True, marked_by=by)
    return enrolment


def book_walk_in(run_id, *, school, person, by, po=""):
    return book_places(
        run_id,
        BookingRequest(
            school=school,
            booked_by=by,
            delegates=[Delegate(person)],
            po_number=po,
            source=Booking.Source.WALK_IN,
        ),
    )


def counts_as_attended(course, sessions_held, sessions_present):
    """The course's rule: present at every session held, or at least N of them. A session
    called off is not held, so N is capped at the number held."""
    if sessions_held == 0:
        return False
    if course.attendance_rule == CoursePage.AttendanceRule.AT_LEAST:
        return sessions_present >= min(course.min_sessions_attended or 1, sessions_held)
    return sessions_present == sessions_held


def close_register(run_id, *, by, now=None, notify=True):
    """Make attendance final: each confirmed place becomes attended or no_show by the course's
    rule, the schools' CPD leads hear of their no-shows, and billing hears of the close."""
    from .. import tasks  # bookings.tasks imports attendance: a cycle

    now = now or timezone.now()
    run = CourseRun.objects.filter(pk=run_id).first()
    if run is None or not may_take_register(by, run):
        raise BookingRefused("That register was not found.", "not_found")
    with transaction.atomic():
        run = _lock_run(run_id)
        if RegisterClosure.objects.filter(run=run).exists():
            raise BookingRefused("This register is already closed.", "closed")
        if run.status == CourseRun.Status.CANCELLED:
            raise BookingRefused("This run was cancelled; it has no register.", "cancelled")
        sessions = held_sessions(run)
        if not sessions:
            raise BookingRefused("Every session was called off: there is nothing to close.", "none")
        if sessions[-1].starts_at > now:
            last = timezone.localtime(sessions[-1].starts_at)
            raise BookingRefused(
                f"The last session is on {last:%A %-d %B}; close the register once it has started.",
                "too_early",
            )
        enrolments = list(
            Enrolment.objects.select_for_update()
            .filter(run=run, status=Enrolment.Status.CONFIRMED)
            .select_related("delegate")
            .order_by("delegate__last_name", "delegate__first_name")
        )
        marks = dict(
            ((a, s), p)
            for a, s, p in Attendance.objects.filter(
                enrolment__in=enrolments, session__in=sessions
            ).values_list("enrolment_id", "session_id", "present")
        )
        unmarked = [e for e in enrolments if any((e.pk, s.pk) not in marks for s in sessions)]
        if unmarked:
            names = ", ".join(str(e.delegate) for e in unmarked[:5])
            more = f" and {len(unmarked) - 5} more" if len(unmarked) > 5 else ""
            raise BookingRefused(
                f"Mark everyone at every session first. Not yet marked: {names}{more}.",
                "unmarked",
            )
        attended, no_shows = [], []
        for enrolment in enrolments:
            present = sum(1 for s in sessions if marks[(enrolment.pk, s.pk)])
            note = f"Register closed: present at {present} of {len(sessions)}"
            if counts_as_attended(run.course, len(sessions), present):
                _set_status(enrolment, Enrolment.Status.ATTENDED, by, note)
                attended.append(enrolment.pk)
            else:
                _set_status(enrolment, Enrolment.Status.NO_SHOW, by, note)
                no_shows.append(enrolment.pk)
        closure = RegisterClosure.objects.create(
            run=run, closed_by=by, attended=len(attended), no_shows=len(no_shows)
        )
        if notify:
            tasks.send_no_show_notices.delay_on_commit(run.pk)
            tasks.request_run_evaluations.delay_on_commit(run.pk)
        transaction.on_commit(
            lambda: signals.register_closed.send(sender=CourseRun, run=run, enrolment_ids=no_shows)
        )
    return closure


def waive_no_show_charge(enrolment_id, *, by, reason):
    """The CPD team waives a no-show's charge (illness, snow), with the reason on record."""
    if not permissions.can_manage_bookings(by):
        raise BookingRefused("Only the CPD team can waive a charge.", "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise BookingRefused("Give a reason for waiving the charge.", "reason")
    run_id = Enrolment.objects.filter(pk=enrolment_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise BookingRefused("That place was not found.", "not_found")
    with transaction.atomic():
        _lock_run(run_id)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_id)
        if enrolment.status != Enrolment.Status.NO_SHOW:
            raise BookingRefused("Only a no-show's charge can be waived here.", "state")
        if enrolment.charge_waived:
            raise BookingRefused("This charge is already waived.", "state")
        enrolment.charge_waived = True
        enrolment.save(update_fields=["charge_waived", "updated_at"])
        record(
            enrolment,
            enrolment.status,
            by,
            f"No-show charge waived: {reason}"[:200],
            from_status=enrolment.status,
        )
        transaction.on_commit(
            lambda: signals.no_show_charge_waived.send(sender=Enrolment, enrolment_id=enrolment.pk)
        )
    return enrolment
