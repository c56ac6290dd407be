"""The public booking pages: choosing who goes, the details and terms, the "full" answer
when a popular run fills, joining the waiting list and accepting an offer. Every place is
taken by bookings.services.book_places(); a refusal is shown and nothing is written. The
pages about places already booked are in place_views."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Membership, User
from accounts.services import AccountsError, invite_colleague
from billing.services import credit_cover, quote, vat_on
from core.params import id_list, id_param
from courses.models import CourseRun

from . import services
from .charges import cancellation_charge
from .forms import BookingDetailsForm
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
            "delegate_ids": [d[:12] for d in delegates[:100]],
        },
    )


def _chosen_school(request):
    schools = permissions.member_schools(request.user)
    wanted = request.GET.get("school") or request.POST.get("school")
    for school in schools:
        if str(school.pk) == str(wanted):
            return school, schools
    return (schools[0] if len(schools) == 1 else None), schools


def _managed_school_or_404(request):
    """The school chosen on the page, which the person must manage (a CPD lead, a head or a
    trust CPD lead), else a 404."""
    school, _ = _chosen_school(request)
    if school is None or not permissions.has_role(request.user, school, *permissions.MANAGERS):
        raise Http404("No such school")
    return school


@login_required
def choose_delegates(request, run_id):
    """Step 1: who is going, and for which school. A teacher booking only themself skips it:
    the Book button answers with the details form itself, so booking is one page fewer."""
    full = cache.get(_full_key(run_id))
    if full is not None:
        return _full(request, full)
    school, schools = _chosen_school(request)
    if not schools:
        if not CourseRun.objects.filter(pk=run_id, course__live=True).exists():
            raise Http404("No such course date")
        messages.info(request, "Join your school first: places are booked for a school.")
        return redirect("accounts:find_school")
    managed = [s for s in schools if s.manages]
    if school and school not in managed:
        run = _run_to_book_or_404(run_id)
        if run.places_left <= 0:
            return _full(request, run)
        return _details_page(request, run, school, [request.user])
    run = _run_or_404(run_id)
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
            "name_by": (name_by := services.name_by(run)),
            "release_charged": services.release_is_charged(run),
            # Reserving makes sense only while there is time left to name people.
            "reservable": name_by is None or timezone.now() < name_by,
        },
    )


@login_required
@require_POST
def add_colleague(request, run_id):
    """A CPD lead books someone who is not on the staff list yet: add and invite them."""
    run = _run_or_404(run_id)
    school = _managed_school_or_404(request)
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
    if ids == [request.user.pk]:  # booking themself: _chosen_school found them on its staff
        return [request.user]
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
        # Only a CPD lead sees the choosing page; anyone else is sent straight back here to
        # book themself, where a flashed error would sit stale over a valid form.
        if school.manages:
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
            booking = services.book_places(run.pk, request_, left_seen=run.places_left)
        except BookingRefused as refusal:
            if refusal.code == "full":
                return _full(request, run)
            form.add_error(None, str(refusal))
        else:
            if booking.waits_only_for_a_budget:
                said = (
                    "We have held the place and asked your consortium's lead to approve paying "
                    f"from its shared budget. Your reference is {booking.reference}."
                )
            elif booking.pending:
                said = (
                    f"Request sent to {school.name}'s CPD lead for approval. "
                    "We have held the place."
                )
            else:
                said = f"Booked. Your reference is {booking.reference}."
            messages.success(request, said)
            return redirect("bookings:detail", booking.reference)
    return _details_page(request, run, school, delegates, form)


def _details_page(request, run, school, delegates, form=None):
    """The details form with the price and dates, posting to the details step whichever page
    drew it (the Book button draws it for a teacher booking themself)."""
    if form is None:
        form = BookingDetailsForm(delegates=delegates, po_required=school.po_number_required)
    action = f"{reverse('bookings:details', args=[run.pk])}?" + urlencode(
        [("school", school.pk)] + [("delegate", d.pk) for d in delegates]
    )
    return render(
        request,
        "bookings/details.html",
        {
            "school": school,
            "delegates": delegates,
            "form": form,
            "action": action,
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
        "free_until": services.free_cancellation_ends(run, sessions[0].starts_at)
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
    ids = id_list(request.POST, "delegate")
    if len(ids) > 1:
        return _join_as_group(request, run, school, ids)
    if request.POST.get("chosen") and not ids:  # the choosing page, every box left empty
        messages.error(request, "Choose at least one person to put on the waiting list.")
        return redirect(f"{reverse('bookings:book', args=[run.pk])}?school={school.pk}")
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


def _join_as_group(request, run, school, ids):
    """A CPD lead puts the colleagues they ticked on the waiting list as one group."""
    people = list(User.objects.filter(pk__in=ids, memberships__school=school).distinct())
    try:
        if len(people) != len(set(ids)):
            raise BookingRefused(f"Choose colleagues from {school.name}'s staff list.", "bad")
        services.join_waiting_list_as_group(run.pk, people=people, school=school, lead=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal))
        if not school.manages:  # only a CPD lead's choosing page shows the staff to fix it
            return redirect("bookings:mine")
        return redirect(f"{reverse('bookings:book', args=[run.pk])}?school={school.pk}")
    messages.success(
        request,
        f"{len(people)} colleagues are on the waiting list together. When places come up we "
        "offer them to you, and you choose who takes them.",
    )
    return redirect("bookings:mine")


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
    members = list(entry.members.select_related("person").filter(enrolment__isnull=True))
    error = None
    if request.method == "POST":
        posted = set(id_list(request.POST, "delegate"))
        chosen = [m.person for m in members if m.person_id in posted]
        if entry.is_group and not posted:
            error = "Choose who takes the places."
        elif entry.is_group and len(chosen) != len(posted):
            error = "Choose from the colleagues in this waiting-list group."
        else:
            try:
                booking = services.accept_offer(entry.pk, by=request.user, people=chosen)
            except BookingRefused as refusal:
                if refusal.code == "expired" or not entry.is_group:
                    messages.error(request, str(refusal))
                    return redirect("bookings:mine")
                error = str(refusal)  # a choice the lead can correct: the form again
            else:
                return _accepted(request, entry, booking)
    return render(
        request,
        "bookings/offer.html",
        {
            "entry": entry,
            "members": members,
            "error": error,
            **_terms(
                entry.run,
                entry.school,
                request.user,
                entry.places_offered,
                source=Booking.Source.WAITING_LIST,
            ),
        },
        status=400 if error else 200,
    )


def _accepted(request, entry, booking):
    reference = f"Your reference is {booking.reference}."
    if entry.is_group:
        names = ", ".join(str(e.delegate) for e in booking.enrolments.select_related("delegate"))
        message = (
            f"We have held places for {names} and asked {entry.school.name}'s CPD lead to "
            f"approve them. {reference}"
            if booking.pending
            else f"Booked: {names}. {reference}"
        )
    else:
        message = (
            f"We have held the place and asked {entry.school.name}'s CPD lead to approve it. "
            f"{reference}"
            if booking.pending
            else f"The place is yours. {reference}"
        )
    messages.success(request, message)
    return redirect("bookings:detail", booking.reference)
