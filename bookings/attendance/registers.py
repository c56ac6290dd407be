"""Who takes which register, and what a register shows: the places on it and the
sessions held."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.http import Http404

from accounts import permissions
from courses.models import CoursePage, CourseRun, Facilitator

from ..models import (
    Attendance,
    Booking,
    Enrolment,
)

# On a register: places confirmed, and (once closed) the outcome.
ON_REGISTER = (Enrolment.Status.CONFIRMED, Enrolment.Status.ATTENDED, Enrolment.Status.NO_SHOW)


def facilitated_runs(user):
    """Runs `user` leads as a facilitator: named on the run, or on its course when the run
    names nobody."""
    through_run = CourseRun.facilitators.through.objects
    through_course = CoursePage.facilitators.through.objects
    on_run = Exists(through_run.filter(courserun=OuterRef("pk"), facilitator__user=user))
    run_names_someone = Exists(through_run.filter(courserun=OuterRef("pk")))
    on_course = Exists(
        through_course.filter(coursepage=OuterRef("course_id"), facilitator__user=user)
    )
    return CourseRun.objects.filter(on_run | (~run_names_someone & on_course))


def registers_for(user):
    """The runs whose registers `user` may see and mark: every run for the CPD team's
    bookings officers, the runs they lead for facilitators, none for anyone else."""
    if not user.is_authenticated or not user.is_active:
        return CourseRun.objects.none()
    if permissions.can_manage_bookings(user):
        return CourseRun.objects.all()
    return facilitated_runs(user)


def takes_registers(user):
    """Whether `user` has any registers at all: the bookings team, or a facilitator."""
    return user.is_authenticated and (
        permissions.can_manage_bookings(user) or Facilitator.objects.filter(user=user).exists()
    )


def may_take_register(user, run):
    return registers_for(user).filter(pk=run.pk).exists()


def may_add_walk_in(user, run_id):
    """The CPD team, or a facilitator on a run they lead: they are the ones at the door."""
    return registers_for(user).filter(pk=run_id).exists()


def register_or_404(user, run_id):
    run = registers_for(user).select_related("course", "venue").filter(pk=run_id).first()
    if run is None:
        raise Http404("No such register")
    return run


def held_sessions(run):
    """The sessions that need a register: all but those called off."""
    return list(run.sessions.filter(cancelled_at__isnull=True).order_by("starts_at"))


def register_enrolments(run):
    return (
        Enrolment.objects.filter(run=run, status__in=ON_REGISTER)
        .select_related("delegate", "booking__school", "booking")
        .order_by("delegate__last_name", "delegate__first_name", "delegate__email")
    )


@dataclass
class RegisterLine:
    enrolment: object
    marks: dict = field(default_factory=dict)  # session id -> True/False

    @property
    def is_walk_in(self):
        return self.enrolment.booking.source == Booking.Source.WALK_IN

    def present_at(self, session):
        return self.marks.get(session.pk)

    @property
    def present_count(self):
        return sum(1 for present in self.marks.values() if present)


def register_lines(run):
    """Everyone on the run's register, each with their marks so far (two queries)."""
    enrolments = list(register_enrolments(run))
    marks = defaultdict(dict)
    for enrolment_id, session_id, present in Attendance.objects.filter(
        enrolment__in=enrolments, session__cancelled_at__isnull=True
    ).values_list("enrolment_id", "session_id", "present"):
        marks[enrolment_id][session_id] = present
    return [RegisterLine(e, marks[e.pk]) for e in enrolments]
