"""Booking emails, each sent at most once. The SentEmail row is inserted in the same
transaction as the send, so a task that runs twice finds the key and sends nothing."""

import copy
import hashlib

from django.conf import settings
from django.core.mail import SafeMIMEText
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership, TrustMembership, User
from billing.models import ZERO
from billing.services import paid_by_voucher, quote, vat_on
from core.emails import build_email, send_once
from core.links import site_url
from core.models import SentEmail
from courses.models import Session

from .calendar import ics_for_enrolment
from .charges import cancellation_charge
from .links import offer_acceptance_url
from .models import (
    Booking,
    Enrolment,
    Evaluation,
    ImpactFollowUp,
    Reservation,
    WaitingListEntry,
)
from .services.cancelling import charged_cancellation_from
from .services.reservations import name_by, release_is_charged


def _accent(run):
    """The colour of the course's strand, for the email's layout."""
    strand = run.course.strand
    return strand.hex_colour if strand else None


def _message(template, subject, to, context, calendar=None):
    """`calendar` is the .ics about the place (calendar_file), attached as it is."""
    run = context.get("run") or next(
        (o.run for o in (context.get("enrolment"), context.get("entry")) if o is not None), None
    )
    context = {**context, "my_bookings_url": site_url(reverse("bookings:mine"))}
    message = build_email(
        f"bookings/email/{template}",
        subject,
        to,
        context,
        accent=_accent(run) if run else None,
    )
    if calendar is not None:
        message.attach(calendar)
    return message


def calendar_file(enrolment, only=None):
    """The place's calendar file as a MIME part: `text/calendar; charset="utf-8";
    method=REQUEST` (or CANCEL), one charset and the METHOD the file itself says, which mail
    clients read to offer "update" or "remove". Passing a mimetype string to Django's attach()
    would add a second charset to one already given."""
    ics = ics_for_enrolment(enrolment, only=only)
    method = "CANCEL" if b"\r\nMETHOD:CANCEL\r\n" in ics else "REQUEST"
    part = SafeMIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method, requote=False)
    part.add_header("Content-Disposition", "attachment", filename=f"{enrolment.run.reference}.ics")
    return part


def _terms(run, prices):
    """What every email about a place states: the price a place, VAT (per place, half-up),
    the total, the last moment to cancel free and the venue. `prices` are (net, VAT rate)
    for each place; a place a single-purpose voucher pays bears no VAT."""
    net = sum((price for price, _ in prices), ZERO)
    vat = sum((vat_on(price, rate) for price, rate in prices), ZERO)
    rates = {rate for _, rate in prices}
    free_until = charged_cancellation_from(run)
    return {
        "run": run,
        "places": len(prices),
        "price": prices[0][0] if prices else ZERO,
        "net": net,
        "vat": vat,
        "vat_percent": rates.pop() * 100 if len(rates) == 1 else None,
        "total": net + vat,
        "free_until": free_until,
        "free_period_over": free_until is not None and free_until <= timezone.now(),
    }


def _place_terms(*enrolments):
    return _terms(
        enrolments[0].run,
        [(e.price, ZERO if paid_by_voucher(e) else e.vat_rate) for e in enrolments],
    )


def _quoted_terms(entry, places=1):
    """A waiting-list place is not priced until booked: today's quote for its school, for
    each place (a group's, or its offer's)."""
    price = quote(entry.school, entry.run)
    return {**_terms(entry.run, [(price.net, price.vat_rate)] * places), "quoted": True}


def _enrolments(**filters):
    return (
        Enrolment.objects.select_related(
            "delegate", "booking__school", "booking__booked_by", "run__course", "run__venue"
        )
        .prefetch_related("run__sessions")
        .filter(**filters)
    )


def booking_confirmations(booking_id):
    """Each confirmed delegate gets their place, with the dates as a calendar file."""
    sent = 0
    for enrolment in _enrolments(booking_id=booking_id, status=Enrolment.Status.CONFIRMED):

        def build(enrolment=enrolment):
            return _message(
                "confirmation",
                f"Booked: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {"enrolment": enrolment, **_place_terms(enrolment)},
                calendar=calendar_file(enrolment),
            )

        sent += send_once(f"confirmation:{enrolment.pk}:{enrolment.delegate_id}", build)
    return sent


def approval_request(booking_id):
    booking = Booking.objects.select_related("school", "run__course").get(pk=booking_id)
    pending = list(_enrolments(booking=booking, status=Enrolment.Status.PENDING_APPROVAL))
    if not pending:
        return False
    leads = permissions.approvers_of(booking.school)

    def build():
        to = sorted(person.email for person in leads)
        if not to:
            return None
        return _message(
            "approval_request",
            f"Please approve: {booking.run.course.title}",
            to,
            {
                "booking": booking,
                "enrolments": pending,
                "dashboard_url": site_url(reverse("bookings:school", args=[booking.school_id])),
                **_place_terms(*pending),
            },
        )

    return send_once(f"approval-request:{booking.pk}", build)


def approval_pending(booking_id):
    """Each teacher whose place waits for their CPD lead hears that it is held and asked for."""
    sent = 0
    for enrolment in _enrolments(booking_id=booking_id, status=Enrolment.Status.PENDING_APPROVAL):

        def build(enrolment=enrolment):
            return _message(
                "approval_pending",
                f"Waiting for approval: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {
                    "enrolment": enrolment,
                    "hours": settings.BOOKING_APPROVAL_HOURS,
                    **_place_terms(enrolment),
                },
            )

        sent += send_once(f"approval-pending:{enrolment.pk}", build)
    return sent


def _waiting_at(enrolment_id, stage):
    return _enrolments(
        pk=enrolment_id, status=Enrolment.Status.PENDING_APPROVAL, approval_stage=stage
    ).first()


def _waiting_after_the_lead(enrolment_id):
    return _enrolments(
        pk=enrolment_id,
        status=Enrolment.Status.PENDING_APPROVAL,
        approval_stage__in=[Enrolment.ApprovalStage.FINANCE, Enrolment.ApprovalStage.CONSORTIUM],
    ).first()


def finance_approval_request(enrolment_id):
    """Whoever holds the stage after the CPD lead's is asked: the school's finance contacts,
    to approve the money above its limit, or the consortium's leads, to pay from its budget."""
    enrolment = _waiting_after_the_lead(enrolment_id)
    if enrolment is None:
        return False
    school = enrolment.booking.school
    consortium = None
    if enrolment.approval_stage == Enrolment.ApprovalStage.CONSORTIUM:
        consortium = enrolment.approval_consortium
        people = _consortium_leads(consortium, besides=enrolment)
        url, key = reverse("bookings:consortium_approvals"), "consortium-approval-request"
    else:
        people = _finance_contacts(school, besides=enrolment)
        url, key = reverse("bookings:finance_approvals"), "finance-approval-request"

    def build():
        to = sorted({u.email for u in people})
        if not to:
            return None
        return _message(
            "finance_approval_request",
            f"Please approve the spend: {enrolment.run.course.title}",
            to,
            {
                "enrolment": enrolment,
                "school": school,
                "consortium": consortium,
                "threshold": school.approval_spend_threshold,
                "approvals_url": site_url(url),
                **_place_terms(enrolment),
            },
        )

    return send_once(f"{key}:{enrolment.pk}", build)


def _consortium_leads(consortium, *, besides):
    skip = {besides.delegate_id, besides.booking.booked_by_id}
    leads = consortium.leads.select_related("user")
    return [m.user for m in leads if m.user.is_active and m.user.pk not in skip]


def _finance_contacts(school, *, besides):
    """The school's finance contacts and its trust's, less the teacher and whoever booked."""
    people = {
        m.user
        for m in Membership.objects.filter(school=school, is_finance=True).select_related("user")
    }
    if school.trust_id:
        people |= {
            m.user
            for m in TrustMembership.objects.filter(
                trust_id=school.trust_id, is_finance=True
            ).select_related("user")
        }
    skip = {besides.delegate_id, besides.booking.booked_by_id}
    return [u for u in people if u.is_active and u.pk not in skip]


def approval_passed_to_finance(enrolment_id):
    """The teacher hears that their place now waits for the school's finance contact or a
    consortium's lead, held afresh."""
    enrolment = _waiting_after_the_lead(enrolment_id)
    if enrolment is None:
        return False
    consortium = (
        enrolment.approval_consortium
        if enrolment.approval_stage == Enrolment.ApprovalStage.CONSORTIUM
        else None
    )

    def build():
        return _message(
            "approval_passed_to_finance",
            f"{'Waiting for the partnership budget' if consortium else 'Approved by your CPD lead'}"
            f": {enrolment.run.course.title}",
            [enrolment.delegate.email],
            {
                "enrolment": enrolment,
                "consortium": consortium,
                "hours": settings.FINANCE_APPROVAL_HOURS,
                **_place_terms(enrolment),
            },
        )

    key = "approval-passed-to-consortium" if consortium else "approval-passed-to-finance"
    return send_once(f"{key}:{enrolment.pk}", build)


def approval_decision(enrolment_id):
    """The teacher hears the outcome: approved, declined (with the approver's reason) or
    expired. The outcome is read from the place's last event, which the decision wrote."""
    enrolment = _enrolments(pk=enrolment_id).first()
    if enrolment is None or enrolment.status == Enrolment.Status.PENDING_APPROVAL:
        return False
    approved = enrolment.status == Enrolment.Status.CONFIRMED
    last = enrolment.events.order_by("-at", "-pk").first()
    note = last.note if last else ""
    _, _, reason = note.partition(": ")
    expired = note.startswith(("Approval request expired", "Budget approval expired"))
    # The consortium would not pay (or did not answer): the place stands and the school pays,
    # so whoever booked it and the school's CPD leads hear too.
    budget_declined = note.startswith(("Budget declined", "Budget approval expired"))
    to = {enrolment.delegate.email}
    if budget_declined:
        to.add(enrolment.booking.booked_by.email)
        to |= {u.email for u in permissions.approvers_of(enrolment.booking.school)}

    def build():
        return _message(
            "approval_decision",
            f"{'Approved' if approved else 'Not approved'}: {enrolment.run.course.title}"
            if not budget_declined
            else f"Partnership budget not used: {enrolment.run.course.title}",
            sorted(to),
            {
                "enrolment": enrolment,
                "approved": approved,
                "expired": expired,
                "by_finance": note.startswith(("Declined by finance", "Approved by finance")),
                "by_consortium": note.startswith("Budget approved by consortium"),
                "budget_declined": budget_declined,
                "consortium": enrolment.approval_consortium,
                "reason": "" if (approved and not budget_declined) or expired else reason,
                **_place_terms(enrolment),
            },
        )

    return send_once(f"approval-decision:{enrolment.pk}", build)


def cancellation(enrolment_id):
    enrolment = _enrolments(pk=enrolment_id, status=Enrolment.Status.CANCELLED).first()
    if enrolment is None:
        return False

    def build():
        to = {enrolment.delegate.email, enrolment.booking.booked_by.email}
        return _message(
            "cancellation",
            f"Cancelled: {enrolment.run.course.title}",
            sorted(to),
            {
                "enrolment": enrolment,
                "charge": cancellation_charge(enrolment, late=enrolment.late_cancellation),
            },
            calendar=calendar_file(enrolment),
        )

    return send_once(f"cancellation:{enrolment.pk}", build)


def place_passed_on(enrolment_id, previous_delegate_id):
    """A place passed to a colleague: the person who held it gets a file that removes the
    sessions from their calendar; the one who now holds it gets their place, with the dates."""
    enrolment = _enrolments(pk=enrolment_id).first()
    previous = User.objects.filter(pk=previous_delegate_id).first()
    if enrolment is None or previous is None or enrolment.delegate_id == previous.pk:
        return 0
    # The place as the person who held it last saw it, now over for them.
    theirs = copy.copy(enrolment)
    theirs.delegate, theirs.status = previous, Enrolment.Status.CANCELLED
    context = {"enrolment": enrolment, "previous": previous, **_place_terms(enrolment)}
    key = f"passed-on:{enrolment.pk}:{previous.pk}:{enrolment.delegate_id}"

    def to_previous():
        return _message(
            "place_passed_on_from",
            f"Your place has passed to a colleague: {enrolment.run.course.title}",
            [previous.email],
            context,
            calendar=calendar_file(theirs),
        )

    def to_new():
        return _message(
            "place_passed_on_to",
            f"You have a place: {enrolment.run.course.title}",
            [enrolment.delegate.email],
            context,
            calendar=calendar_file(enrolment),
        )

    sent = send_once(f"{key}:from", to_previous) + send_once(f"{key}:to", to_new)
    return sent + _tell_the_school(
        enrolment,
        f"{key}:school",
        f"Place passed on: {enrolment.run.course.title}",
        context,
        besides={previous.email, enrolment.delegate.email},
    )


def _tell_the_school(enrolment, key, subject, context, *, besides, booker=None):
    """Whoever booked the place (`booker`: a moved place's first booking) and the school's
    CPD leads hear that it changed hands or dates (the delegates, told in their own emails,
    are left out): once, no calendar file, as the school's calendar feed follows it."""
    school = enrolment.booking.school
    booker = booker or enrolment.booking.booked_by
    to = set(_lead_emails(school, besides=besides))
    if booker.is_active and booker.email not in besides:
        to.add(booker.email)
    if not to:
        return 0

    def build():
        return _message(
            "place_changed",
            subject,
            sorted(to),
            {
                **context,
                "school": school,
                "school_bookings_url": site_url(reverse("bookings:school", args=[school.pk])),
            },
        )

    return send_once(key, build)


def place_moved(old_enrolment_id, new_enrolment_id):
    """A place moved to another date: a file that removes the old date's sessions. The new
    date's place is confirmed by its own booking email, with the file that adds it."""
    old = _enrolments(pk=old_enrolment_id, status=Enrolment.Status.CANCELLED).first()
    new = _enrolments(pk=new_enrolment_id).first()
    if old is None or new is None:
        return False

    def build():
        return _message(
            "place_moved",
            f"Your place has moved to {new.run.reference}: {new.run.course.title}",
            [old.delegate.email],
            {"enrolment": new, "old": old, **_place_terms(new)},
            calendar=calendar_file(old),
        )

    sent = send_once(f"place-moved:{old.pk}", build)
    return sent + _tell_the_school(
        new,
        f"place-moved:{old.pk}:school",
        f"Place moved to {new.run.reference}: {new.run.course.title}",
        {"enrolment": new, "old": old, **_place_terms(new)},
        besides={old.delegate.email},
        booker=old.booking.booked_by,
    )


def run_cancelled(run_id, reason):
    sent = 0
    cancelled = _enrolments(run_id=run_id, status=Enrolment.Status.CANCELLED)
    for enrolment in cancelled.filter(released_from__isnull=True):  # people, not released places
        leads = Membership.objects.filter(
            school=enrolment.booking.school, is_cpd_lead=True
        ).values_list("user__email", flat=True)

        def build(enrolment=enrolment, leads=leads):
            return _message(
                "run_cancelled",
                f"Course cancelled: {enrolment.run.course.title}",
                sorted({enrolment.delegate.email, *leads}),
                {"enrolment": enrolment, "reason": reason},
                calendar=calendar_file(enrolment),
            )

        sent += send_once(f"run-cancelled:{enrolment.pk}", build)
    return sent


def _entry(entry_id):
    return WaitingListEntry.objects.select_related(
        "person", "school", "run__course", "run__venue"
    ).get(pk=entry_id)


def waiting_list_joined(entry_id):
    """The person added to a full run's waiting list hears they are on it, and what a place
    would cost if one comes up."""
    entry = _entry(entry_id)
    if entry.status != WaitingListEntry.Status.WAITING:
        return False

    def build():
        return _message(
            "waiting_list_joined",
            f"On the waiting list: {entry.run.course.title}",
            [entry.person.email],
            {
                "entry": entry,
                "members": list(entry.members.select_related("person")),
                "hours": settings.WAITING_LIST_OFFER_HOURS,
                **_quoted_terms(entry, entry.places),
            },
        )

    return send_once(f"waiting-list-joined:{entry.pk}", build)


def waiting_list_offer(entry_id):
    entry = _entry(entry_id)
    if entry.status != WaitingListEntry.Status.OFFERED:
        return False

    def build():
        return _message(
            "offer",
            f"{'A place' if entry.places_offered == 1 else 'Places'} for your colleagues: "
            f"{entry.run.course.title}"
            if entry.is_group
            else f"A place for you: {entry.run.course.title}",
            [entry.person.email],
            {
                "entry": entry,
                "accept_url": site_url(offer_acceptance_url(entry)),
                **_quoted_terms(entry, entry.places_offered),
            },
        )

    return send_once(f"offer:{entry.pk}:{entry.offered_at.isoformat()}", build)


def offer_expired(entry_id):
    entry = _entry(entry_id)
    if entry.status != WaitingListEntry.Status.EXPIRED:
        return False

    def build():
        return _message(
            "offer_expired",
            f"Offer lapsed: {entry.run.course.title}",
            [entry.person.email],
            {"entry": entry},
        )

    return send_once(f"offer-expired:{entry.pk}", build)


def reminders(days_before, now=None):
    """Joining reminders for sessions starting in `days_before` days, to confirmed delegates."""
    now = timezone.localtime(now or timezone.now())
    day = (now + timezone.timedelta(days=days_before)).date()
    sent = 0
    for enrolment in _enrolments(
        status=Enrolment.Status.CONFIRMED,
        run__sessions__starts_at__date=day,
        run__sessions__cancelled_at__isnull=True,  # nobody is reminded of a called-off session
    ).distinct():

        def build(enrolment=enrolment):
            return _message(
                "reminder",
                f"{'Tomorrow' if days_before == 1 else 'Next week'}: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {"enrolment": enrolment, "days_before": days_before, **_place_terms(enrolment)},
            )

        sent += send_once(f"reminder-{days_before}:{enrolment.pk}:{day.isoformat()}", build)
    return sent


def reminder_now(enrolment_id, day, now=None):
    """A joining reminder a bookings officer sends from the admin, for the session on `day`:
    once per place and day, and not after the day-before reminder for that day."""
    if SentEmail.objects.filter(key=f"reminder-1:{enrolment_id}:{day.isoformat()}").exists():
        return False
    enrolment = _enrolments(pk=enrolment_id, status=Enrolment.Status.CONFIRMED).first()
    if enrolment is None:
        return False
    days_before = (day - timezone.localdate(now or timezone.now())).days

    def build():
        return _message(
            "reminder",
            f"Reminder: {enrolment.run.course.title} on {day.day} {day:%B}",
            [enrolment.delegate.email],
            {"enrolment": enrolment, "days_before": days_before, **_place_terms(enrolment)},
        )

    return send_once(f"reminder-now:{enrolment.pk}:{day.isoformat()}", build)


def _reservation(reservation_id):
    return (
        Reservation.objects.select_related(
            "booking__school", "booking__booked_by", "run__course", "run__venue"
        )
        .prefetch_related("run__sessions")
        .filter(pk=reservation_id)
        .first()
    )


def _reservation_message(reservation, template, subject, places, **context):
    """An email to the lead who reserved places, stating what `places` of them cost."""
    run = reservation.run
    return _message(
        template,
        subject,
        [reservation.booking.booked_by.email],
        {
            "reservation": reservation,
            "name_by": name_by(run),
            "release_charged": release_is_charged(run),
            "reminder_days": settings.RESERVATION_REMINDER_DAYS,
            "reservation_url": site_url(reverse("bookings:reservation", args=[reservation.pk])),
            **_terms(run, [(reservation.price, reservation.vat_rate)] * places),
            **context,
        },
    )


def reservation_confirmed(reservation_id):
    """The lead hears the places are held, until when, and what they cost."""
    reservation = _reservation(reservation_id)
    if reservation is None:
        return False
    return send_once(
        f"reservation-confirmed:{reservation.pk}",
        lambda: _reservation_message(
            reservation,
            "reservation_confirmed",
            f"Places reserved: {reservation.run.course.title}",
            reservation.places,
        ),
    )


def reservation_reminder(reservation_id):
    """Once, some days before the name-by date, while places are still unnamed."""
    reservation = _reservation(reservation_id)
    if reservation is None or reservation.released_at or not reservation.unnamed:
        return False
    return send_once(
        f"reservation-reminder:{reservation.pk}",
        lambda: _reservation_message(
            reservation,
            "reservation_reminder",
            f"Name people for your reserved places: {reservation.run.course.title}",
            reservation.unnamed,
        ),
    )


def reservation_released(reservation_id, released, charged):
    """The name-by date passed: the lead hears which places went, and whether they are charged."""
    reservation = _reservation(reservation_id)
    if reservation is None or not released:
        return False
    return send_once(
        f"reservation-released:{reservation.pk}",
        lambda: _reservation_message(
            reservation,
            "reservation_released",
            f"Unnamed places released: {reservation.run.course.title}",
            released,
            released=released,
            charged=charged,
        ),
    )


# --- after the course -----------------------------------------------------------------------


def _after_message(template, subject, to, context):
    """A message from bookings/after/email/, with the same footer links as the others."""
    run = context.get("run") or context["enrolment"].run
    context = {**context, "record_url": site_url(reverse("bookings:cpd_record"))}
    return build_email(
        f"bookings/after/email/{template}", subject, to, context, accent=_accent(run)
    )


def _lead_emails(school, *, besides=()):
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(school=school, is_cpd_lead=True).select_related(
                "user"
            )
            if m.user.is_active and m.user.email not in besides
        }
    )


def no_show_notices(run_id):
    """Each school's CPD leads get the list of their staff who did not attend."""
    no_shows = list(
        _enrolments(run_id=run_id, status=Enrolment.Status.NO_SHOW).order_by(
            "delegate__last_name", "delegate__first_name"
        )
    )
    by_school = {}
    for enrolment in no_shows:
        by_school.setdefault(enrolment.booking.school, []).append(enrolment)
    sent = 0
    for school, enrolments in by_school.items():
        run = enrolments[0].run

        def build(school=school, enrolments=enrolments, run=run):
            to = _lead_emails(school)
            if not to:
                return None
            return _after_message(
                "no_shows",
                f"Did not attend: {run.course.title}",
                to,
                {
                    "school": school,
                    "run": run,
                    "enrolments": enrolments,
                    "charge_percent": run.course.no_show_charge_percent,
                    "school_url": site_url(reverse("bookings:school", args=[school.pk])),
                },
            )

        sent += send_once(f"no-shows:{run_id}:{school.pk}", build)
    return sent


def _evaluation(evaluation_id):
    return (
        Evaluation.objects.select_related("enrolment__delegate", "enrolment__run__course")
        .filter(pk=evaluation_id)
        .first()
    )


def _evaluation_message(evaluation, reminder=0):
    enrolment = evaluation.enrolment
    title = enrolment.run.course.title
    return _after_message(
        "evaluation_request",
        f"Reminder: how was {title}?" if reminder else f"How was {title}? Get your certificate",
        [enrolment.delegate.email],
        {
            "enrolment": enrolment,
            "reminder": reminder,
            "evaluation_url": site_url(reverse("bookings:evaluate", args=[enrolment.pk])),
        },
    )


def evaluation_request(evaluation_id):
    evaluation = _evaluation(evaluation_id)
    if evaluation is None or evaluation.is_submitted:
        return False
    return send_once(f"evaluation-request:{evaluation.pk}", lambda: _evaluation_message(evaluation))


def evaluation_reminder(evaluation_id, now=None):
    """The next reminder, if one is due: the count and the key both stop a third."""
    from .attendance import due_reminders  # attendance imports emails: a cycle

    now = now or timezone.now()
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update()
            .select_related("enrolment__delegate", "enrolment__run__course")
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None or not due_reminders(now).filter(pk=evaluation.pk).exists():
            return False
        number = evaluation.reminders_sent + 1
        sent = send_once(
            f"evaluation-reminder:{evaluation.pk}:{number}",
            lambda: _evaluation_message(evaluation, reminder=number),
        )
        if sent:
            evaluation.reminders_sent = number
            evaluation.last_reminded_at = now
            evaluation.save(update_fields=["reminders_sent", "last_reminded_at"])
    return sent


def impact_follow_up(follow_up_id):
    """What changed in your practice? To the delegate, and about them to their CPD leads."""
    follow_up = (
        ImpactFollowUp.objects.select_related(
            "enrolment__delegate", "enrolment__run__course", "enrolment__booking__school"
        )
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        return 0
    enrolment = follow_up.enrolment
    context = {
        "enrolment": enrolment,
        "impact_url": site_url(reverse("bookings:impact", args=[enrolment.pk])),
    }
    title = enrolment.run.course.title

    def to_delegate():
        return _after_message(
            "impact_delegate",
            f"What changed after {title}?",
            [enrolment.delegate.email],
            context,
        )

    def to_leads():
        to = _lead_emails(enrolment.booking.school, besides={enrolment.delegate.email})
        if not to:
            return None
        return _after_message(
            "impact_lead",
            f"What changed for {enrolment.delegate} after {title}?",
            to,
            context,
        )

    return send_once(f"impact:{follow_up.pk}:delegate", to_delegate) + send_once(
        f"impact:{follow_up.pk}:lead", to_leads
    )


def session_cancelled(session_id, reason):
    """Each confirmed delegate hears that one session is off and the rest go ahead, with a
    calendar file that removes that session (METHOD:CANCEL)."""
    session = Session.objects.filter(pk=session_id, cancelled_at__isnull=False).first()
    if session is None:
        return 0
    sent = 0
    for enrolment in _enrolments(run_id=session.run_id, status=Enrolment.Status.CONFIRMED):

        def build(enrolment=enrolment):
            return _message(
                "session_cancelled",
                f"Session cancelled: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {
                    "enrolment": enrolment,
                    **_place_terms(enrolment),
                    "session": session,
                    "reason": reason,
                    "still_on": [s for s in enrolment.run.sessions.all() if s.cancelled_at is None],
                },
                calendar=calendar_file(enrolment, only={session.pk}),
            )

        sent += send_once(f"session-cancelled:{session.pk}:{enrolment.pk}", build)
    return sent


def sessions_moved(run_id, moved):
    """Each confirmed delegate hears the new times of sessions that moved, with a calendar
    file that updates them (METHOD:REQUEST, a higher SEQUENCE). `moved` is
    [[session id, SEQUENCE]] as the move left them: a session that has since moved again is
    left to the later email, so each move is told once, with the times as they are."""
    wanted = dict(map(tuple, moved))
    sessions = [
        s
        for s in Session.objects.filter(pk__in=wanted, cancelled_at__isnull=True)
        if wanted[s.pk] == s.sequence
    ]
    if not sessions:
        return 0
    moves = ",".join(f"{s.pk}.{s.sequence}" for s in sessions)
    key = hashlib.sha256(moves.encode()).hexdigest()[:24]  # SentEmail keys are short
    sent = 0
    for enrolment in _enrolments(run_id=run_id, status=Enrolment.Status.CONFIRMED):

        def build(enrolment=enrolment):
            return _message(
                "sessions_moved",
                f"New {'time' if len(sessions) == 1 else 'times'}: {enrolment.run.course.title}",
                [enrolment.delegate.email],
                {
                    "enrolment": enrolment,
                    **_place_terms(enrolment),
                    "moved": sessions,
                    "sessions": [s for s in enrolment.run.sessions.all() if s.cancelled_at is None],
                },
                calendar=calendar_file(enrolment, only={s.pk for s in sessions}),
            )

        sent += send_once(f"sessions-moved:{enrolment.pk}:{key}", build)
    return sent
