from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Membership, School, User
from billing.services import credit_cover, quote, vat_on
from core.params import id_list, id_param
from core.redirects import safe_next
from courses.models import CourseRun

from . import moves, services
from .access import place_or_404, places_for
from .calendar import ics_for_enrolment
from .charges import cancellation_charge
from .forms import BookingDetailsForm, CancelForm
from .links import offer_from_token
from .models import Booking, Enrolment, WaitingListEntry
from .services import BookingRefused


def _run_or_404(run_id):
    run = (
        CourseRun.objects.with_dates()
        .with_places()
        .select_related("course", "venue")
        .prefetch_related("sessions")
        .filter(pk=run_id)
        .first()
    )
    if run is None or not run.course.live:
        raise Http404("No such course date")
    return run


def _run_to_book_or_404(run_id):
    """The run a booking form is for: its course and venue, and places taken (one query).
    The dates are read only if the form page is shown."""
    run = (
        CourseRun.objects.with_places().select_related("course", "venue").filter(pk=run_id).first()
    )
    if run is None or not run.course.live:
        raise Http404("No such course date")
    return run


# When a popular run fills, hundreds of people may press "Confirm" within seconds. For this
# long, the next of them are told "full" from what the last count found, without counting
# again. Only ever a refusal: book_places() alone grants places, counting under its lock.
FULL_FOR_SECONDS = 2


@dataclass(frozen=True)
class FullRun:
    """What the "no places left" page shows about a run."""

    pk: int
    reference: str
    title: str
    course_url: str


def _full_key(run_id):
    return f"run-full:{run_id}"


def _full(request, run):
    """The answer most people get when a popular run fills: no form page built."""
    if not isinstance(run, FullRun):
        run = FullRun(run.pk, run.reference, run.course.title, run.course.url)
        cache.set(_full_key(run.pk), run, FULL_FOR_SECONDS)
    delegates = request.POST.getlist("delegate") or request.GET.getlist("delegate")
    return render(
        request,
        "bookings/full.html",
        {
            "run": run,
            "message": services.FULL_MESSAGE,
            "school_id": (request.POST.get("school") or request.GET.get("school") or "")[:12],
            "delegate_id": delegates[0][:12] if len(delegates) == 1 else "",
            "several": len(delegates) > 1,
        },
    )


def _my_schools(user):
    return School.objects.filter(memberships__user=user).order_by("name")


def _chosen_school(request):
    schools = list(_my_schools(request.user))
    wanted = request.GET.get("school") or request.POST.get("school")
    for school in schools:
        if str(school.pk) == str(wanted):
            return school, schools
    return (schools[0] if len(schools) == 1 else None), schools


@login_required
def choose_delegates(request, run_id):
    """Step 1: who is going, and for which school. Teachers booking only themselves skip it."""
    run = _run_or_404(run_id)
    school, schools = _chosen_school(request)
    if not schools:
        messages.info(request, "Join your school first: places are booked for a school.")
        return redirect("accounts:find_school")
    managed = [s for s in schools if permissions.has_role(request.user, s, *permissions.MANAGERS)]
    if school and school not in managed:
        return redirect(
            f"{reverse('bookings:details', args=[run.pk])}?school={school.pk}"
            f"&delegate={request.user.pk}"
        )
    staff = (
        Membership.objects.filter(school=school)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
        if school
        else []
    )
    added = id_param(request.GET, "added")
    return render(
        request,
        "bookings/choose_delegates.html",
        {
            "run": run,
            "school": school,
            "schools": managed or schools,
            "staff": staff,
            "ticked": {added} if added else {request.user.pk},
            "manages": school in managed,
        },
    )


@login_required
@require_POST
def add_colleague(request, run_id):
    """A CPD lead books someone who is not on the staff list yet: add and invite them."""
    from accounts.services import AccountsError, invite_colleague

    run = _run_or_404(run_id)
    school, _ = _chosen_school(request)
    if school is None or not permissions.has_role(request.user, school, *permissions.MANAGERS):
        raise Http404("No such school")
    back = f"{reverse('bookings:book', args=[run.pk])}?school={school.pk}"
    try:
        person = invite_colleague(
            school,
            by=request.user,
            first_name=request.POST.get("first_name"),
            last_name=request.POST.get("last_name"),
            email=request.POST.get("email"),
        )
    except AccountsError as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    messages.success(
        request,
        f"{person} is on {school.name}'s staff list. We have emailed them an invitation; "
        "tick them below to book.",
    )
    return redirect(f"{back}&added={person.pk}")


def _delegates_from(request, school):
    ids = id_list(request.GET, "delegate") or id_list(request.POST, "delegate")
    people = list(
        User.objects.filter(pk__in=ids, memberships__school=school).order_by(
            "last_name", "first_name"
        )
    )
    return people


def booking_details(request, run_id):
    """Step 2: needs, PO number and terms, with the price and dates shown before confirming.

    A run just found full is answered first, before the session and user are read: that it is
    full is public (its course page says so), nothing is written, and in a rush it is most of
    the answers. Everything else needs a signed-in person."""
    full = cache.get(_full_key(run_id))
    if full is not None:
        return _full(request, full)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    run = _run_to_book_or_404(run_id)
    if run.places_left <= 0:
        return _full(request, run)
    school, _ = _chosen_school(request)
    if school is None:
        return redirect("bookings:book", run.pk)
    delegates = _delegates_from(request, school)
    if not delegates:
        messages.error(request, "Choose at least one person to book.")
        return redirect(f"{reverse('bookings:book', args=[run.pk])}?school={school.pk}")
    form = BookingDetailsForm(
        request.POST if request.method == "POST" else None,
        delegates=delegates,
        po_required=school.po_number_required,
    )
    if request.method == "POST" and form.is_valid():
        request_ = services.BookingRequest(
            school=school,
            booked_by=request.user,
            po_number=form.cleaned_data["po_number"],
            terms_accepted=form.cleaned_data["terms"],
            delegates=[services.Delegate(p, *form.needs_for(p)) for p in delegates],
        )
        try:
            booking = services.book_places(run.pk, request_)
        except BookingRefused as refusal:
            if refusal.code == "full":
                return _full(request, run)
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"Request sent to {school.name}'s CPD lead for approval. We have held the place."
                if booking.pending
                else f"Booked. Your reference is {booking.reference}.",
            )
            return redirect("bookings:detail", booking.reference)
    return render(
        request,
        "bookings/details.html",
        {
            "school": school,
            "delegates": delegates,
            "form": form,
            **_terms(run, school, request.user, len(delegates)),
        },
    )


def _terms(run, school, user, places, source=Booking.Source.WEB):
    """What a person is told before they commit to places on `run`: the price, VAT and total,
    whether a CPD lead must approve, and what cancelling later would cost (billing's own
    figure for such a cancellation)."""
    prefetch_related_objects([run], "sessions")
    sessions = run.sessions.all()
    pricing = quote(school, run)
    net_total = pricing.net * places
    vat_total = vat_on(pricing.net, pricing.vat_rate) * places
    place = Enrolment(run=run, price=pricing.net, vat_rate=pricing.vat_rate)
    cover = credit_cover(school, pricing.net, pricing.vat_rate, places)
    if cover is not None:  # no VAT on places a single-purpose voucher pays, as billing charges
        vat_total = cover.vat
    return {
        "run": run,
        "price": pricing.net,
        "pricing": pricing,
        "total": net_total,
        "vat_total": vat_total,
        "gross_total": net_total + vat_total,
        "cover": cover,
        "late_charge": cancellation_charge(
            place, late=True, voucher_paid=bool(cover and cover.by_voucher == places)
        ),
        "needs_approval": services.needs_approval(school, user, source),
        "now": timezone.now(),
        "free_until": sessions[0].starts_at
        - timezone.timedelta(days=run.course.free_cancellation_days)
        if sessions
        else None,
    }


@login_required
@require_POST
def join_waiting_list(request, run_id):
    run = _run_or_404(run_id)
    school, schools = _chosen_school(request)
    if school is None:
        messages.error(request, "Join your school first." if not schools else "Choose a school.")
        return redirect(run.course.url)
    person = request.user
    if (delegate := id_param(request.POST, "delegate")) is not None:
        person = get_object_or_404(User, pk=delegate, memberships__school=school)
    try:
        services.join_waiting_list(run.pk, person=person, school=school, added_by=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"{'You are' if person == request.user else f'{person} is'} on "
            "the waiting list. We will email if a place comes up.",
        )
    return redirect("bookings:mine")


def _visible_bookings(user):
    managed = permissions.schools_for(user, *permissions.MANAGERS)
    if permissions.can_manage_bookings(user):
        return Booking.objects.all()
    return Booking.objects.filter(
        Q(booked_by=user) | Q(enrolments__delegate=user) | Q(school__in=managed)
    ).distinct()


@login_required
def my_bookings(request):
    now = timezone.now()
    enrolments = (
        Enrolment.objects.filter(delegate=request.user)
        .select_related("run__course", "run__venue", "booking")
        .prefetch_related("run__sessions")
        .order_by("-created_at")
    )
    upcoming, past = [], []
    for enrolment in enrolments:
        last = max((s.ends_at for s in enrolment.run.sessions.all()), default=now)
        (upcoming if last >= now else past).append(enrolment)
    upcoming.sort(key=lambda e: min((s.starts_at for s in e.run.sessions.all()), default=now))
    waiting = WaitingListEntry.objects.filter(
        person=request.user,
        status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
    ).select_related("run__course")
    return render(
        request,
        "bookings/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "waiting": waiting,
        },
    )


@login_required
def booking_detail(request, reference):
    booking = (
        _visible_bookings(request.user)
        .select_related("run__course", "run__venue", "school")
        .filter(reference=reference)
        .first()
    )
    if booking is None:
        raise Http404("No such booking")
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "enrolments": booking.enrolments.select_related("delegate").prefetch_related("events"),
            "sessions": booking.run.sessions.all(),
            "manages": permissions.has_role(request.user, booking.school, *permissions.MANAGERS),
            # A colleague on the same booking sees the places, but acts only on their own.
            "openable": set(
                places_for(request.user).filter(booking=booking).values_list("pk", flat=True)
            ),
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
@require_POST
def decide_place(request, enrolment_id):
    enrolment = place_or_404(request.user, enrolment_id)
    school = enrolment.booking.school
    if not (
        permissions.has_role(request.user, school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(request.user)
    ):
        raise Http404("No such place")
    decision = request.POST.get("decision")
    if decision not in {"approve", "decline"}:
        messages.error(request, "Choose approve or decline.")
    else:
        try:
            services.decide_enrolment(enrolment.pk, by=request.user, approve=decision == "approve")
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"{enrolment.delegate}: {'approved' if decision == 'approve' else 'declined'}.",
            )
    return redirect(
        safe_next(request, reverse("bookings:school", args=[enrolment.booking.school_id]))
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
def accept_offer(request, token):
    entry_id, offered_at = offer_from_token(token)
    entry = (
        WaitingListEntry.objects.select_related("run__course", "run__venue", "school")
        .filter(pk=entry_id, person=request.user)
        .first()
        if entry_id
        else None
    )
    if (
        entry is None
        or entry.status != WaitingListEntry.Status.OFFERED
        or entry.offered_at.isoformat() != offered_at
    ):
        return render(request, "bookings/offer_invalid.html", status=404)
    if request.method == "POST":
        try:
            booking = services.accept_offer(entry.pk, by=request.user)
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("bookings:mine")
        messages.success(
            request,
            f"We have held the place and asked {entry.school.name}'s CPD lead to approve it. "
            f"Your reference is {booking.reference}."
            if booking.pending
            else f"The place is yours. Your reference is {booking.reference}.",
        )
        return redirect("bookings:detail", booking.reference)
    return render(
        request,
        "bookings/offer.html",
        {
            "entry": entry,
            **_terms(entry.run, entry.school, request.user, 1, source=Booking.Source.WAITING_LIST),
        },
    )


@login_required
def school_bookings(request, school_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    enrolments = (
        Enrolment.objects.filter(booking__school=school)
        .select_related("delegate", "run__course", "booking")
        .prefetch_related("run__sessions")
        .order_by("-created_at")
    )
    status = request.GET.get("status", "")
    if status in Enrolment.Status.values:
        enrolments = enrolments.filter(status=status)
    person = id_param(request.GET, "person")
    if person is not None:
        enrolments = enrolments.filter(delegate_id=person)
    when = request.GET.get("when", "upcoming")
    now = timezone.now()
    if when == "upcoming":
        enrolments = enrolments.filter(run__sessions__ends_at__gte=now).distinct()
    elif when == "past":
        enrolments = enrolments.exclude(run__sessions__ends_at__gte=now)
    return render(
        request,
        "bookings/school.html",
        {
            "school": school,
            "enrolments": enrolments[:500],
            "pending": Enrolment.objects.filter(
                booking__school=school, status=Enrolment.Status.PENDING_APPROVAL
            ).select_related("delegate", "run__course"),
            "staff": Membership.objects.filter(school=school).select_related("user"),
            "statuses": Enrolment.Status.choices,
            "status": status,
            "when": when,
            "person": person,
        },
    )
