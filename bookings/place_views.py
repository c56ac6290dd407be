"""Pages about places already booked: a person's bookings, one booking, a school's bookings,
changing a place (cancel, approve or decline, substitute, transfer, its calendar file) and
leaving a waiting list.
Each change goes through bookings.services; a refusal is shown and nothing is written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Max, Min, Q, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership
from core.params import id_param
from core.redirects import safe_next
from courses.models import CourseRun

from . import moves, services
from .access import booking_or_404, place_or_404, request_or_404, waiting_entry_or_404
from .calendar import ics_for_enrolment
from .charges import cancellation_charge
from .forms import CancelForm, DecisionForm
from .models import Booking, Enrolment, Reservation, WaitingListEntry
from .services import BookingRefused
from .views import _terms  # the same terms summary the booking form shows

LIVE = (WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED)


@login_required
def my_bookings(request):
    now = timezone.now()
    enrolments = (
        # Not the unnamed reserved places the person reserved and were released: not theirs.
        Enrolment.objects.of_people()
        .filter(delegate=request.user)
        .with_declined()
        .select_related("delegate", "run__course", "run__venue", "booking")
        .prefetch_related("run__sessions")
        .order_by("-created_at")
    )
    upcoming, past = [], []
    for enrolment in enrolments:
        last = max((s.ends_at for s in enrolment.run.sessions.all()), default=now)
        (upcoming if last >= now else past).append(enrolment)

    def first_session(enrolment):
        return min((s.starts_at for s in enrolment.run.sessions.all()), default=now)

    # By the course's date, not the booking's: the next course first, the latest past one first.
    upcoming.sort(key=first_session)
    past.sort(key=first_session, reverse=True)
    # Their own entries, and the groups a CPD lead put them in (where they wait by name).
    waiting = (
        WaitingListEntry.objects.filter(
            Q(person=request.user)
            | Q(members__person=request.user, members__enrolment__isnull=True),
            status__in=LIVE,
        )
        .distinct()
        .select_related("run__course", "school", "person")
        .prefetch_related("members__person")
    )
    return render(
        request,
        "bookings/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "waiting": waiting,
            "reservations": _open_reservations(booking__booked_by=request.user),
        },
    )


def _open_reservations(**filters):
    """Reservations with places still to name, soonest name-by first."""
    found = [
        r
        for r in Reservation.objects.filter(released_at__isnull=True, named__lt=F("places"))
        .filter(**filters)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .select_related("run__course", "booking__school")
        .prefetch_related("run__sessions")
    ]
    for r in found:
        r.due = services.name_by(r.run)
    return sorted(found, key=lambda r: (r.due is None, r.due or r.created_at))


@login_required
def booking_detail(request, reference):
    booking, places, manages, openable = booking_or_404(request.user, reference)
    prefetch_related_objects([booking.run], "sessions")  # the page and its next steps share them
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "enrolments": places,
            "sessions": booking.run.sessions.all(),
            "manages": manages,
            "plain_references": not manages,  # a consortium lead may not open the bookings
            # A colleague on the same booking sees the places, but acts only on their own.
            "openable": openable,
            "next": services.what_happens_next(booking, places),
        },
    )


@login_required
def cancel_place(request, enrolment_id):
    enrolment = place_or_404(request.user, enrolment_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_enrolment(enrolment.pk, by=request.user)
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            enrolment.refresh_from_db()
            charge = cancellation_charge(enrolment, late=enrolment.late_cancellation)
            messages.success(
                request,
                f"Place cancelled. It is inside the notice period, so £{charge.gross:,.2f} "
                f"(£{charge.net:,.2f} plus £{charge.vat:,.2f} VAT) will be charged, unless "
                "someone from the waiting list takes the place."
                if charge.net
                else "Place cancelled, free of charge.",
            )
        return redirect("bookings:detail", enrolment.booking.reference)
    late = services.cancelling_now_is_late(enrolment)
    return render(
        request,
        "bookings/cancel.html",
        {
            "enrolment": enrolment,
            "form": form,
            "late": late,
            "charge": cancellation_charge(enrolment, late=late),
        },
    )


@login_required
def decide_place(request, enrolment_id):
    """Approve or decline a place waiting for approval, at the stage it waits at. Declining
    needs a reason; a refusal or a missing reason writes nothing."""
    enrolment = request_or_404(request.user, enrolment_id)
    school = enrolment.booking.school
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.decide_enrolment(
                enrolment.pk, by=request.user, approve=approve, reason=form.cleaned_data["reason"]
            )
        except BookingRefused as refusal:
            form.add_error("reason" if refusal.code == "reason" else None, str(refusal))
        else:
            stage = enrolment.approval_stage
            enrolment.refresh_from_db()
            if not approve and stage == Enrolment.ApprovalStage.CONSORTIUM:
                outcome = f"the budget is not used; the place stands and {school.name} pays for it"
            elif not approve:
                outcome = "declined"
            elif enrolment.status == Enrolment.Status.PENDING_APPROVAL:
                outcome = f"approved; it now waits for the {enrolment.get_approval_stage_display()}"
            else:
                outcome = "approved"
            messages.success(request, f"{enrolment.delegate}: {outcome}.")
            manages = permissions.has_role(
                request.user, school, *permissions.MANAGERS
            ) or permissions.can_manage_bookings(request.user)
            if manages:
                home = reverse("bookings:school", args=[school.pk])
            elif stage == Enrolment.ApprovalStage.CONSORTIUM:
                home = reverse("bookings:consortium_approvals")
            else:
                home = reverse("bookings:finance_approvals")
            return redirect(safe_next(request, home))
    return render(
        request,
        "bookings/decide.html",
        {
            "enrolment": enrolment,
            "school": school,
            "form": form,
            "may_decide": enrolment.status == Enrolment.Status.PENDING_APPROVAL
            and services.may_decide(request.user, enrolment),
            "own": request.user.pk in (enrolment.delegate_id, enrolment.booking.booked_by_id),
            "next": safe_next(request, ""),
        },
    )


@login_required
def finance_approvals(request):
    """A finance contact's list of places whose spend waits for their approval."""
    return render(
        request,
        "bookings/finance_approvals.html",
        {"waiting": services.waiting_for_finance(request.user)},
    )


@login_required
def consortium_approvals(request):
    """A consortium lead's list of places asking to be paid from the consortium's budget."""
    return render(
        request,
        "bookings/consortium_approvals.html",
        {"waiting": services.waiting_for_consortium(request.user)},
    )


@login_required
def substitute_place(request, enrolment_id):
    """Send a colleague instead: who may take the place, and what it costs (nothing more)."""
    enrolment = place_or_404(request.user, enrolment_id)
    back = reverse("bookings:detail", args=[enrolment.booking.reference])
    refusal = services.why_not_pass_on(enrolment)
    error = None
    if request.method == "POST" and refusal is None:
        school = enrolment.booking.school
        new = moves.colleague_from(enrolment, request.POST)
        if new is None:
            error = f"Choose a colleague from {school.name}'s staff list."
        else:
            try:
                services.substitute_delegate(enrolment.pk, by=request.user, new_delegate=new)
            except BookingRefused as refused:
                error = str(refused)
            else:
                messages.success(request, f"{new} now has this place, at no extra charge.")
                return redirect(back)
    return render(
        request,
        "bookings/substitute.html",
        {
            "enrolment": enrolment,
            "refusal": refusal,
            "error": error,
            "colleagues": [] if refusal else list(moves.colleagues(enrolment)),
            "place_price": moves.price_of(enrolment),
            "back": back,
        },
    )


@login_required
def transfer_place(request, enrolment_id):
    """Move to another date: choose a run of the same course that has room (each priced for
    the school), then confirm with its price, VAT, total and cancellation terms stated."""
    enrolment = place_or_404(request.user, enrolment_id)
    refusal = services.why_not_move(enrolment)
    error = None
    if request.method == "POST" and refusal is None:
        new, error = _transfer(request, enrolment)
        if new is not None:
            charge = moves.price_of(new)
            messages.success(
                request,
                f"Moved to {new.run.reference}. The place on {enrolment.run.reference} is "
                f"cancelled free of charge; the new place costs £{charge.gross:,.2f} "
                f"(£{charge.net:,.2f} plus £{charge.vat:,.2f} VAT).",
            )
            return redirect("bookings:detail", new.booking.reference)
    context = {
        "enrolment": enrolment,
        "refusal": refusal,
        "error": error,
        "back": reverse("bookings:detail", args=[enrolment.booking.reference]),
    }
    if refusal is None:
        with_room, full = moves.other_dates(enrolment)
        chosen = next((d for d in with_room if d.run.pk == id_param(request.GET, "run")), None)
        if "run" in request.GET and chosen is None and error is None:
            error = "Choose one of the dates listed."
        school = enrolment.booking.school
        context |= {
            "school": school,
            "dates": with_room,
            "full": full,
            "chosen": chosen,
            "place_price": moves.price_of(enrolment),
            "invoiced": moves.invoiced(enrolment),
            "set_aside": moves.credit_set_aside(enrolment),
            "on_staff": Membership.objects.filter(user=request.user, school=school).exists(),
            "error": error,
        }
        if chosen is not None and error is None:
            context |= _terms(chosen.run, school, request.user, 1, Booking.Source.TRANSFER)
            context["current_run"] = enrolment.run
    return render(request, "bookings/transfer.html", context)


def _transfer(request, enrolment):
    """Make the move the form asks for: (the new place, None), or (None, why not)."""
    to_run = id_param(request.POST, "run")
    if to_run is None:
        return None, "Choose one of the dates listed."
    try:
        return services.transfer_enrolment(enrolment.pk, to_run_id=to_run, by=request.user), None
    except CourseRun.DoesNotExist:
        return None, "Choose one of the dates listed."
    except BookingRefused as refused:
        return None, str(refused)


@login_required
def place_calendar(request, enrolment_id):
    enrolment = place_or_404(request.user, enrolment_id)
    response = HttpResponse(
        ics_for_enrolment(enrolment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{enrolment.run.reference}.ics"'
    return response


@login_required
def school_bookings(request, school_id):
    # A consortium lead oversees: sees the list, but approves and opens no one's place.
    school = permissions.school_or_404(request.user, school_id, *permissions.OVERSEERS)
    manages = permissions.has_role(request.user, school, *permissions.MANAGERS)
    enrolments = (
        Enrolment.objects.filter(booking__school=school)
        .with_declined()
        .annotate(starts=Min("run__sessions__starts_at"), ends=Max("run__sessions__ends_at"))
        .select_related("delegate", "run__course", "booking")
        .prefetch_related("run__sessions")
    )
    status = request.GET.get("status", "")
    if status in Enrolment.Status.values:
        enrolments = enrolments.filter(status=status)
    person = id_param(request.GET, "person")
    if person is not None:
        enrolments = enrolments.of_people().filter(delegate_id=person)
    when = request.GET.get("when", "upcoming")
    now = timezone.now()
    # Ordered by the course's date, not the booking's: the next course first when looking
    # ahead, the latest first when looking back.
    if when == "upcoming":
        enrolments = enrolments.filter(ends__gte=now).order_by("starts", "pk")
    elif when == "past":
        enrolments = enrolments.exclude(ends__gte=now).order_by("-starts", "-pk")
    else:
        enrolments = enrolments.order_by("-starts", "-pk")
    return render(
        request,
        "bookings/school.html",
        {
            "school": school,
            "manages": manages,
            "plain_references": not manages,  # a consortium lead may not open the bookings
            "reservations": _open_reservations(booking__school=school),
            "enrolments": enrolments[:500],
            "pending": Enrolment.objects.filter(
                booking__school=school, status=Enrolment.Status.PENDING_APPROVAL
            ).select_related("delegate", "run__course"),
            "staff": Membership.objects.filter(school=school).select_related("user"),
            "waiting": WaitingListEntry.objects.filter(
                school=school,
                status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
            )
            .select_related("run__course", "person", "school")
            .prefetch_related("members__person"),
            "statuses": Enrolment.Status.choices,
            "status": status,
            "when": when,
            "person": person,
        },
    )


@login_required
def leave_waiting_list(request, entry_id, person_id=None):
    """Leave a waiting list, or take a colleague (or a whole entry) off it: a page that says
    what happens, then a button. A refusal is shown and nothing is written."""
    entry = waiting_entry_or_404(request.user, entry_id, person_id)
    person = entry.member.person if person_id is not None else None
    own = request.user.pk == (person_id or entry.person_id)
    home = (
        reverse("bookings:mine")
        if own or not permissions.has_role(request.user, entry.school, *permissions.MANAGERS)
        else reverse("bookings:school", args=[entry.school_id])
    )
    back = safe_next(request, home)
    if request.method == "POST":
        try:
            after = services.leave_waiting_list(entry.pk, by=request.user, person=person)
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _left(entry, after, person, own))
        return redirect(back)
    prefetch_related_objects([entry.run], "sessions")
    return render(
        request,
        "bookings/leave_waiting_list.html",
        {
            "w": entry,
            "person": person,
            "own": own,
            "live": entry.status in LIVE,
            "back": back,
        },
    )


def _left(before, after, person, own):
    """What the person is told once someone is off the list."""
    run = f"{before.run.course.title} ({before.run.reference})"
    who = person or before.person
    name = who.get_full_name() or who.email
    if person is None and before.is_group:
        said = (
            f"The group of {before.places} colleague{'s' if before.places != 1 else ''} "
            f"is off the waiting list for {run}."
        )
    elif own:
        said = f"You have left the waiting list for {run}."
    else:
        said = f"{name} is off the waiting list for {run}."
    if after.status in LIVE and after.is_group:
        said += f" {after.places} still waiting in the group."
    elif before.is_group and person is not None:
        said += " Nobody is left waiting in the group."
    held = before.places_offered if before.status == WaitingListEntry.Status.OFFERED else 0
    if held > (after.places_offered if after.status in LIVE else 0):
        said += " The place held goes to the next person waiting."
    return said
