"""Reserved places: a CPD lead reserves places on a run without naming anyone, then names a
colleague for each or gives back those not needed. Every change goes through
bookings.services (reserve_places, name_reserved_place, give_back_places); a refusal is
shown and nothing is written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Membership, User

from . import services
from .access import reservation_or_404
from .forms import GiveBackPlacesForm, NameReservedPlaceForm, ReservePlacesForm
from .models import Enrolment
from .services import BookingRefused
from .views import _managed_school_or_404, _run_or_404, _terms


@login_required
def reserve(request, run_id):
    """Reserve N places for a school the person manages; the people are named later."""
    run = _run_or_404(run_id)
    school = _managed_school_or_404(request)
    left = max(run.places_left, 0)
    form = ReservePlacesForm(
        request.POST if request.method == "POST" else None,
        places_left=left,
        po_required=school.po_number_required,
        initial={"places": min(2, left) or 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            reservation = services.reserve_places(
                run.pk,
                school=school,
                by=request.user,
                places_wanted=form.cleaned_data["places"],
                po_number=form.cleaned_data["po_number"],
                terms_accepted=form.cleaned_data["terms"],
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"{reservation.places} place{'s' if reservation.places != 1 else ''} reserved. "
                f"Your reference is {reservation.booking.reference}. Name people below.",
            )
            return redirect("bookings:reservation", reservation.pk)
    return render(
        request,
        "bookings/reserve.html",
        {
            "school": school,
            "form": form,
            "name_by": services.name_by(run),
            "release_charged": services.release_is_charged(run),
            **_terms(run, school, request.user, 1),
        },
    )


def _staff_to_name(reservation):
    """The school's staff without a place on the run already: those one can name."""
    booked = Enrolment.objects.filter(run=reservation.run).live().values("delegate")
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(school=reservation.booking.school).values("user")
        )
        .exclude(pk__in=booked)
        .order_by("last_name", "first_name", "email")
    )


def _page(request, reservation, *, name_form=None, give_back_form=None, status=200):
    staff = _staff_to_name(reservation)
    named = reservation.booking.enrolments.live().select_related("delegate").order_by("created_at")
    return render(
        request,
        "bookings/reservation.html",
        {
            "reservation": reservation,
            "run": reservation.run,
            "school": reservation.booking.school,
            "named": named,
            "unnamed": range(reservation.unnamed),
            "name_by": services.name_by(reservation.run),
            "release_charged": services.release_is_charged(reservation.run),
            "give_back_charged": bool(reservation.run.course.late_cancellation_charge_percent)
            and services.is_late_cancellation(reservation.run),
            "name_form": name_form or NameReservedPlaceForm(staff=staff),
            "give_back_form": give_back_form or GiveBackPlacesForm(),
        },
        status=status,
    )


@login_required
def reservation(request, reservation_id):
    return _page(request, reservation_or_404(request.user, reservation_id))


@login_required
@require_POST
def name_place(request, reservation_id):
    reservation = reservation_or_404(request.user, reservation_id)
    form = NameReservedPlaceForm(request.POST, staff=_staff_to_name(reservation))
    if form.is_valid():
        person = User.objects.get(pk=form.cleaned_data["delegate"])
        try:
            services.name_reserved_place(
                reservation.pk,
                by=request.user,
                person=person,
                access_needs=form.cleaned_data["access_needs"],
                dietary_needs=form.cleaned_data["dietary_needs"],
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{person} has the place. We have emailed them.")
            return redirect("bookings:reservation", reservation.pk)
    return _page(request, reservation, name_form=form)


@login_required
@require_POST
def give_back(request, reservation_id):
    reservation = reservation_or_404(request.user, reservation_id)
    form = GiveBackPlacesForm(request.POST)
    if form.is_valid():
        try:
            done = services.give_back_places(
                reservation.pk, by=request.user, count=form.cleaned_data["count"]
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            count = form.cleaned_data["count"]
            places = f"{count} place{'s' if count != 1 else ''}"
            messages.success(
                request,
                f"{places} given back, charged as late cancellations by the course's terms."
                if done.charged
                else f"{places} given back, free of charge.",
            )
            return redirect("bookings:reservation", reservation.pk)
    return _page(request, reservation, give_back_form=form)
