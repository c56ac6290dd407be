"""Register pages, for facilitators and the bookings team: the list, a run's register
and its print, one session's marking, walk-ins, closing, and waiving a no-show charge."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions
from core.params import id_param
from courses.models import CourseRun, Session

from .. import attendance
from ..models import Enrolment, RegisterClosure
from ..services import BookingRefused
from .forms import WaiveForm, WalkInForm


def _held(**filters):
    return Q(sessions__cancelled_at__isnull=True, **filters)


@login_required
def registers(request):
    """The registers this person takes: today's, those waiting to be closed, the next
    fortnight's, and those closed lately."""
    if not attendance.takes_registers(request.user):
        raise Http404("No registers")
    now = timezone.now()
    today = timezone.localdate(now)
    runs = (
        attendance.registers_for(request.user)
        .exclude(status=CourseRun.Status.CANCELLED)
        .select_related("course", "venue", "register_closure")
        .annotate(
            first_starts_at=Min("sessions__starts_at", filter=_held()),
            last_starts_at=Max("sessions__starts_at", filter=_held()),
            on_register=Count(
                "enrolments",
                filter=Q(enrolments__status__in=attendance.ON_REGISTER),
                distinct=True,
            ),
            today_session=Subquery(
                Session.objects.filter(
                    run=OuterRef("pk"), cancelled_at__isnull=True, starts_at__date=today
                )
                .order_by("starts_at")
                .values("pk")[:1]
            ),
        )
        .filter(first_starts_at__isnull=False)
    )
    open_runs = runs.filter(register_closure__isnull=True)
    soon = Session.objects.filter(
        run=OuterRef("pk"),
        cancelled_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=14),
    )
    return render(
        request,
        "bookings/after/registers.html",
        {
            "today": open_runs.filter(today_session__isnull=False).order_by("first_starts_at")[:50],
            "to_close": open_runs.filter(today_session__isnull=True, last_starts_at__lte=now)
            .filter(on_register__gt=0)
            .order_by("last_starts_at")[:50],
            "coming": open_runs.filter(Exists(soon), today_session__isnull=True).order_by(
                "first_starts_at"
            )[:50],
            "closed": runs.filter(
                register_closure__closed_at__gte=now - dt.timedelta(days=30)
            ).order_by("-register_closure__closed_at")[:50],
        },
    )


def _register_context(request, run):
    sessions = attendance.held_sessions(run)
    lines = attendance.register_lines(run)
    for line in lines:
        line.cells = [line.present_at(session) for session in sessions]
    closure = RegisterClosure.objects.filter(run=run).select_related("closed_by").first()
    now = timezone.now()
    return {
        "run": run,
        "sessions": sessions,
        "lines": lines,
        "closure": closure,
        "pending_approval": Enrolment.objects.filter(
            run=run, status=Enrolment.Status.PENDING_APPROVAL
        ).count(),
        "can_close": closure is None and bool(sessions) and sessions[-1].starts_at <= now,
        "can_waive": permissions.can_manage_bookings(request.user),
        "rule": _rule_text(run.course, len(sessions)),
        "now": now,
    }


def _rule_text(course, held):
    if course.attendance_rule == "at_least":
        needed = min(course.min_sessions_attended or 1, held)
        return f"Counts as attended at {needed} or more of the {held} sessions."
    if held == 1:
        return "Counts as attended when present at the session."
    return f"Counts as attended only when present at all {held} sessions."


@login_required
def run_register(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    context = _register_context(request, run)
    for session in context["sessions"]:
        marks = [line.present_at(session) for line in context["lines"]]
        session.marked = sum(m is not None for m in marks)
        session.present = sum(m is True for m in marks)
    context["waive_form"] = WaiveForm()
    return render(request, "bookings/after/run_register.html", context)


@login_required
def print_register(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    return render(request, "bookings/after/print_register.html", _register_context(request, run))


def _session_or_404(run, session_id):
    session = run.sessions.filter(pk=session_id, cancelled_at__isnull=True).first()
    if session is None:
        raise Http404("No such session")
    return session


@login_required
def session_register(request, run_id, session_id, walk_in_form=None, status=200):
    """The door list for one session: a tap marks each person present or absent."""
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    context = _register_context(request, run)
    lines = context["lines"]
    for line in lines:
        line.present = line.present_at(session)
    may_walk_in = attendance.may_add_walk_in(request.user, run.pk)
    blocked = attendance.why_not_markable(run, session)
    context.update(
        session=session,
        blocked=blocked,
        may_walk_in=may_walk_in,
        walk_in_form=walk_in_form or (WalkInForm() if may_walk_in else None),
        marked=sum(line.present is not None for line in lines),
        present=sum(line.present is True for line in lines),
    )
    return render(request, "bookings/after/session_register.html", context, status=status)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def mark(request, run_id, session_id):
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    back = reverse("bookings:session_register", args=[run.pk, session.pk])
    enrolment_id = id_param(request.POST, "enrolment")
    choice = request.POST.get("present", "")
    error = None
    if enrolment_id is None:
        error = "Choose a person on the register."
    elif choice not in {"yes", "no"}:
        error = "Choose present or absent."
    else:
        try:
            attendance.mark_attendance(
                session.pk, enrolment_id, present=choice == "yes", by=request.user
            )
        except BookingRefused as refusal:
            error = str(refusal)
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"present": choice == "yes"})
    if error:
        messages.error(request, error)
        return redirect(back)
    return redirect(f"{back}#place-{enrolment_id}")


@login_required
@require_POST
def walk_in(request, run_id, session_id):
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    if not attendance.may_add_walk_in(request.user, run.pk):
        raise Http404("No such page")
    form = WalkInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = attendance.add_walk_in(
                session.pk,
                by=request.user,
                school=data["school"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                po_number=data["po_number"],
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"{enrolment.delegate} is booked as an on-the-day addition and marked present.",
            )
            return redirect(
                reverse("bookings:session_register", args=[run.pk, session.pk])
                + f"#place-{enrolment.pk}"
            )
    return session_register(request, run.pk, session.pk, walk_in_form=form)


@login_required
@require_POST
def close(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    try:
        closure = attendance.close_register(run.pk, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Register closed: {closure.attended} attended, {closure.no_shows} did not. "
            "CPD leads are being told of their no-shows; attendees will be asked to evaluate.",
        )
    return redirect("bookings:run_register", run.pk)


@login_required
@require_POST
def waive(request, run_id, enrolment_id):
    run = attendance.register_or_404(request.user, run_id)
    if not permissions.can_manage_bookings(request.user):
        raise Http404("No such page")
    enrolment = Enrolment.objects.filter(pk=enrolment_id, run=run).select_related("delegate")
    enrolment = enrolment.first()
    if enrolment is None:
        raise Http404("No such place")
    form = WaiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            attendance.waive_no_show_charge(
                enrolment.pk, by=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{enrolment.delegate}'s no-show charge is waived.")
    return redirect(reverse("bookings:run_register", args=[run.pk]) + "#outcome")
