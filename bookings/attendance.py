"""After the course: registers, evaluations, certificates, impact follow-ups and CPD records.

Each use case is a function that owns its transaction, as in bookings.services. Places change
state here only at the register's close (confirmed -> attended or no_show) and when a no-show
charge is waived; walk-ins are booked through bookings.services.book_places(), like every
other place. Refusals are BookingRefused, with a message for the person."""

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from core.academic_year import AcademicYear
from core.links import site_url
from courses.models import CoursePage, CourseRun, Session, StrandPage

from .models import (
    Attendance,
    Booking,
    Certificate,
    Enrolment,
    Evaluation,
    ImpactFollowUp,
    RegisterClosure,
)
from .services import BookingRefused, BookingRequest, Delegate, _lock_run, _set_status, record

# On a register: places confirmed, and (once closed) the outcome.
ON_REGISTER = (Enrolment.Status.CONFIRMED, Enrolment.Status.ATTENDED, Enrolment.Status.NO_SHOW)


# --- who takes which register ------------------------------------------------------------------


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
    from courses.models import Facilitator

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


# --- marking and closing the register ----------------------------------------------------------


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
    from accounts.services import AccountsError, invite_colleague

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
    from .services import book_places

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
    from . import signals, tasks

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
    from . import signals

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


# --- evaluations ---------------------------------------------------------------------------------


def _with_end():
    """Runs annotated with when their last held session ends."""
    return CourseRun.objects.annotate(
        held_until=Max("sessions__ends_at", filter=Q(sessions__cancelled_at__isnull=True))
    )


def request_evaluations(run_id, now=None, notify=True):
    """Once a closed run's last session has ended, ask each attended delegate to evaluate it.
    Safe to run twice: one evaluation per place, and each email goes once. `notify` is False
    only for demo data."""
    from . import tasks

    now = now or timezone.now()
    run = _with_end().filter(pk=run_id, register_closure__isnull=False).first()
    if run is None or run.held_until is None or run.held_until > now:
        return 0
    asked = 0
    for enrolment in Enrolment.objects.filter(
        run=run, status=Enrolment.Status.ATTENDED, evaluation__isnull=True
    ):
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(enrolment=enrolment)
                if notify:
                    tasks.send_evaluation_request.delay_on_commit(evaluation.pk)
        except IntegrityError:
            continue  # asked by another run of this task meanwhile
        asked += 1
    return asked


def request_due_evaluations(now=None):
    """Periodic: every closed run that has ended and still has someone not yet asked."""
    now = now or timezone.now()
    waiting = Enrolment.objects.filter(
        run=OuterRef("pk"), status=Enrolment.Status.ATTENDED, evaluation__isnull=True
    )
    runs = (
        _with_end()
        .filter(register_closure__isnull=False, held_until__lte=now)
        .filter(Exists(waiting))
        .values_list("pk", flat=True)
    )
    return sum(request_evaluations(run_id, now=now) for run_id in runs)


def due_reminders(now=None):
    """Unsubmitted evaluations whose last request or reminder is old enough, under the cap."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.EVALUATION_REMINDER_DAYS)
    return Evaluation.objects.filter(
        submitted_at__isnull=True, reminders_sent__lt=Evaluation.MAX_REMINDERS
    ).filter(
        Q(last_reminded_at__isnull=True, requested_at__lte=before) | Q(last_reminded_at__lte=before)
    )


def remind_evaluations(now=None):
    """Periodic: remind people who have not evaluated; at most twice each."""
    from . import emails

    now = now or timezone.now()
    return sum(
        emails.evaluation_reminder(pk, now=now)
        for pk in due_reminders(now).values_list("pk", flat=True)
    )


RATING_QUESTIONS = (
    ("quality", "The quality of the course"),
    ("relevance", "How relevant it was to your work"),
    ("facilitator", "The facilitator"),
)


def own_attended_place(user, enrolment_id):
    enrolment = (
        Enrolment.objects.select_related("run__course", "booking__school", "delegate")
        .filter(pk=enrolment_id, delegate=user, status=Enrolment.Status.ATTENDED)
        .first()
    )
    if enrolment is None:
        raise BookingRefused("That course was not found on your record.", "not_found")
    return enrolment


def submit_evaluation(enrolment_id, *, by, ratings, will_do_differently, comments="", now=None):
    """The delegate's evaluation; sending it issues their certificate."""
    now = now or timezone.now()
    enrolment = own_attended_place(by, enrolment_id)
    clean = {}
    for name, label in RATING_QUESTIONS:
        value = ratings.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise BookingRefused(f"Rate “{label}” from 1 to 5.", name)
        clean[name] = value
    will_do_differently = (will_do_differently or "").strip()
    if not will_do_differently:
        raise BookingRefused("Say what you will do differently.", "will_do_differently")
    with transaction.atomic():
        evaluation, _ = Evaluation.objects.select_for_update().get_or_create(enrolment=enrolment)
        if evaluation.is_submitted:
            raise BookingRefused("You have already sent this evaluation.", "submitted")
        for name, value in clean.items():
            setattr(evaluation, name, value)
        evaluation.will_do_differently = will_do_differently[:2000]
        evaluation.comments = (comments or "").strip()[:4000]
        evaluation.submitted_at = now
        evaluation.save()
        return issue_certificate(enrolment)


# --- certificates -------------------------------------------------------------------------------


def strands_by_path():
    return {s.path: s for s in StrandPage.objects.all()}


def strand_of(course, strands):
    return strands.get(course.path[: -course.steplen])


def session_dates(sessions):
    """'4 March 2027', '4 and 18 March 2027', '26 February and 12 March 2027'."""
    days = sorted({timezone.localdate(s.starts_at) for s in sessions})
    if not days:
        return ""
    if len({(d.year, d.month) for d in days}) == 1:
        parts, tail = [str(d.day) for d in days], f" {days[-1]:%B %Y}"
    elif len({d.year for d in days}) == 1:
        parts, tail = [f"{d.day} {d:%B}" for d in days], f" {days[-1]:%Y}"
    else:
        parts, tail = [f"{d.day} {d:%B %Y}" for d in days], ""
    if len(parts) == 1:
        return parts[0] + tail
    return ", ".join(parts[:-1]) + " and " + parts[-1] + tail


def issue_certificate(enrolment):
    """Make the certificate once, with what it says fixed now. The PDF follows on first
    download (certificate_pdf) and is kept."""
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    course = enrolment.run.course
    strand = strand_of(course, strands_by_path())
    delegate = enrolment.delegate
    return Certificate.objects.create(
        enrolment=enrolment,
        delegate_name=(delegate.get_full_name() or delegate.email)[:300],
        school_name=enrolment.booking.school.name,
        course_title=course.title,
        strand_title=strand.title if strand else "",
        dates=session_dates(held_sessions(enrolment.run))[:300],
        cpd_hours=course.cpd_hours,
    )


def verification_url(certificate):
    return site_url(reverse("bookings:verify_certificate", args=[certificate.number]))


def qr_svg_data_uri(text):
    """A QR code as an SVG data URI: vector, so it prints sharp, and WeasyPrint embeds it."""
    import io

    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template, context):
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def certificate_pdf(certificate_id):
    """The certificate's PDF: rendered the first time it is asked for, then always the same
    stored bytes."""
    pdf = Certificate.objects.filter(pk=certificate_id).values_list("pdf", flat=True).get()
    if pdf:
        return bytes(pdf)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if not certificate.pdf:
            url = verification_url(certificate)
            certificate.pdf = render_pdf(
                "bookings/after/certificate_pdf.html",
                {
                    "certificate": certificate,
                    "verify_url": url,
                    "qr": qr_svg_data_uri(url),
                },
            )
            certificate.save(update_fields=["pdf"])
    return bytes(certificate.pdf)


def find_certificate(number):
    """The certificate with this number, or None. Typed numbers vary in case and spacing."""
    number = "".join((number or "").split()).upper()
    if not number or len(number) > 20:
        return None
    return Certificate.objects.filter(number=number).first()


def certificate_for(user, enrolment_id):
    """A place's certificate, for the delegate, their school's managers or the CPD team; there
    is none until the evaluation is sent."""
    enrolment = Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
    if enrolment is None or not may_see_record_of(user, enrolment):
        raise Http404("No such certificate")
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    if certificate is None:
        raise Http404("No certificate yet")
    return certificate


def may_see_record_of(user, enrolment):
    return (
        user.pk == enrolment.delegate_id
        or permissions.has_role(user, enrolment.booking.school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(user)
    )


# --- impact follow-ups --------------------------------------------------------------------------


def send_impact_follow_ups(now=None):
    """Periodic: some weeks after a course, ask attended delegates and their CPD leads what
    changed. One follow-up per place (a unique row), each email once; so running twice sends
    nothing more. Courses that ended long before (past a grace period) are not chased."""
    from . import tasks

    now = now or timezone.now()
    due_by = now - dt.timedelta(days=settings.IMPACT_FOLLOW_UP_DAYS)
    not_before = due_by - dt.timedelta(days=settings.IMPACT_FOLLOW_UP_GRACE_DAYS)
    runs = _with_end().filter(held_until__lte=due_by, held_until__gt=not_before)
    due = Enrolment.objects.filter(
        run__in=runs.values("pk"), status=Enrolment.Status.ATTENDED, impact_follow_up__isnull=True
    ).values_list("pk", flat=True)
    sent = 0
    for enrolment_id in due:
        try:
            with transaction.atomic():
                follow_up = ImpactFollowUp.objects.create(enrolment_id=enrolment_id)
                tasks.send_impact_follow_up.delay_on_commit(follow_up.pk)
        except IntegrityError:
            continue
        sent += 1
    return sent


def impact_for(user, enrolment_id):
    """(follow-up, whose answer the user gives: "delegate" or "lead") or 404."""
    follow_up = (
        ImpactFollowUp.objects.select_related(
            "enrolment__delegate", "enrolment__run__course", "enrolment__booking__school"
        )
        .filter(enrolment_id=enrolment_id)
        .first()
    )
    if follow_up is None:
        raise Http404("No such follow-up")
    enrolment = follow_up.enrolment
    if user.pk == enrolment.delegate_id:
        return follow_up, "delegate"
    # The school's own CPD leads, by membership: the CPD team reads answers, never gives one.
    if Membership.objects.filter(
        user=user, school=enrolment.booking.school, is_cpd_lead=True
    ).exists():
        return follow_up, "lead"
    raise Http404("No such follow-up")


def answer_impact(enrolment_id, *, by, answer, now=None):
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise BookingRefused("Write what changed, even if it is “not much yet”.", "answer")
    with transaction.atomic():
        follow_up, role = impact_for(by, enrolment_id)
        follow_up = ImpactFollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if role == "delegate":
            follow_up.delegate_answer, follow_up.delegate_answered_at = answer[:4000], now
        else:
            follow_up.lead_answer, follow_up.lead_answered_at = answer[:4000], now
            follow_up.lead_answered_by = by
        follow_up.save()
    return follow_up, role


# --- CPD records --------------------------------------------------------------------------------


@dataclass
class RecordLine:
    enrolment: object
    course: object
    strand: object
    sessions: list
    dates: str
    first_day: dt.date
    hours: Decimal
    evaluation: object
    certificate: object
    impact: object

    @property
    def academic_year(self):
        return AcademicYear.of(self.first_day).label

    @property
    def strand_title(self):
        return self.strand.title if self.strand else "Other"


def _attended(enrolments):
    held = Session.objects.filter(cancelled_at__isnull=True).order_by("starts_at")
    return (
        enrolments.filter(status=Enrolment.Status.ATTENDED)
        .select_related(
            "run__course",
            "delegate",
            "booking__school",
            "evaluation",
            "certificate",
            "impact_follow_up",
        )
        .prefetch_related(Prefetch("run__sessions", queryset=held, to_attr="held"))
    )


def related_or_none(obj, name):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:  # nothing on this reverse one-to-one
        return None


def record_lines(enrolments):
    """One line per attended course, newest first, with its evaluation and certificate."""
    strands = strands_by_path()
    lines = []
    for enrolment in _attended(enrolments):
        course = enrolment.run.course
        certificate = related_or_none(enrolment, "certificate")
        sessions = enrolment.run.held
        first = timezone.localdate(sessions[0].starts_at) if sessions else None
        lines.append(
            RecordLine(
                enrolment=enrolment,
                course=course,
                strand=strand_of(course, strands),
                sessions=sessions,
                dates=certificate.dates if certificate else session_dates(sessions),
                first_day=first or timezone.localdate(enrolment.created_at),
                hours=certificate.cpd_hours if certificate else course.cpd_hours,
                evaluation=related_or_none(enrolment, "evaluation"),
                certificate=certificate,
                impact=related_or_none(enrolment, "impact_follow_up"),
            )
        )
    lines.sort(key=lambda line: (line.first_day, line.enrolment.pk), reverse=True)
    return lines


def _totals(lines, key):
    totals = defaultdict(Decimal)
    for line in lines:
        totals[key(line)] += line.hours
    return totals


@dataclass
class CPDRecord:
    person: object
    lines: list

    @property
    def total_hours(self):
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def hours_by_strand(self):
        totals = _totals(self.lines, lambda line: line.strand_title)
        return sorted(totals.items())

    @property
    def hours_by_year(self):
        return sorted(_totals(self.lines, lambda line: line.academic_year).items(), reverse=True)


def cpd_record(user):
    return CPDRecord(user, record_lines(Enrolment.objects.filter(delegate=user)))


@dataclass
class SchoolRecord:
    school: object
    year: str
    years: list
    lines: list
    strands: list

    @property
    def total_hours(self):
        return sum((line.hours for line in self.lines), Decimal("0"))

    @property
    def staff_rows(self):
        """(person, [hours per strand, in self.strands order], total), by surname."""
        by_person = defaultdict(lambda: defaultdict(Decimal))
        people = {}
        for line in self.lines:
            person = line.enrolment.delegate
            people[person.pk] = person
            by_person[person.pk][line.strand_title] += line.hours
        rows = []
        for pk, hours in by_person.items():
            cells = [hours.get(title, Decimal("0")) for title in self.strands]
            rows.append((people[pk], cells, sum(cells, Decimal("0"))))
        rows.sort(key=lambda row: (row[0].last_name.lower(), row[0].first_name.lower()))
        return rows

    @property
    def strand_totals(self):
        totals = _totals(self.lines, lambda line: line.strand_title)
        return [totals.get(title, Decimal("0")) for title in self.strands]

    @property
    def evaluations(self):
        return [line.evaluation for line in self.lines if is_submitted(line.evaluation)]

    @property
    def averages(self):
        """Average rating per question over the school's submitted evaluations."""
        done = self.evaluations
        if not done:
            return None
        return {
            name: round(sum(getattr(e, name) for e in done) / len(done), 1)
            for name, _ in RATING_QUESTIONS
        } | {"count": len(done)}

    @property
    def impact_lines(self):
        return [line for line in self.lines if line.impact]


def school_record(school, year=""):
    """Staff CPD at one school: hours by person and strand, evaluation averages and what
    changed in practice, for one academic year ("" for every year)."""
    all_lines = record_lines(Enrolment.objects.filter(booking__school=school))
    years = sorted({line.academic_year for line in all_lines}, reverse=True)
    lines = [line for line in all_lines if not year or line.academic_year == year]
    strand_titles = list(StrandPage.objects.order_by("path").values_list("title", flat=True))
    if any(line.strand is None for line in lines):
        strand_titles.append("Other")
    return SchoolRecord(school, year, years, lines, strand_titles)


def is_submitted(evaluation):
    return evaluation is not None and evaluation.is_submitted
