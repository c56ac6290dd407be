import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


def new_booking_reference():
    # Unambiguous characters only: people read these out over the phone.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "BK-" + "".join(secrets.choice(alphabet) for _ in range(7))


class Booking(models.Model):
    """One order: who booked places on which run, for which school."""

    class Source(models.TextChoices):
        WEB = "web", "Booked online"
        PHONE = "phone", "Phone booking by staff"
        WAITING_LIST = "waiting_list", "From the waiting list"
        WALK_IN = "walk_in", "On-the-day addition"
        TRANSFER = "transfer", "Transferred from another run"

    reference = models.CharField(max_length=12, unique=True, default=new_booking_reference)
    run = models.ForeignKey("courses.CourseRun", on_delete=models.PROTECT, related_name="bookings")
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings_made"
    )
    po_number = models.CharField("PO number", max_length=40, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.WEB)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference


class EnrolmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Enrolment.LIVE)


class Enrolment(models.Model):
    """One delegate's place on a run. Created only by bookings.services.book_places()."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "Waiting for CPD-lead approval"
        CONFIRMED = "confirmed", "Confirmed"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    # These hold a place.
    LIVE = (Status.PENDING_APPROVAL, Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="enrolments")
    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="enrolments"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    access_needs = models.TextField(blank=True)
    dietary_needs = models.TextField(blank=True)
    # Snapshotted when the place is booked: a later price change never alters it.
    price = models.DecimalField(max_digits=8, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.000"))
    approval_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    late_cancellation = models.BooleanField(default=False)
    charge_waived = models.BooleanField(
        default=False, help_text="Late-cancellation charge waived: the place was refilled."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "delegate"],
                condition=Q(status__in=["pending_approval", "confirmed", "attended", "no_show"]),
                name="one_live_enrolment_per_delegate_per_run",
                violation_error_message="This person already has a place on this run.",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="enrolment_price_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_enrolment_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending_approval") | Q(approval_expires_at__isnull=False),
                name="pending_enrolment_expires",
            ),
        ]

    def __str__(self):
        return f"{self.delegate} on {self.run.reference} ({self.get_status_display()})"

    @property
    def is_live(self):
        return self.status in self.LIVE


class EnrolmentEvent(models.Model):
    """The audit log: every change of an enrolment's state, who made it and when."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class WaitingListEntry(models.Model):
    """A person waiting for a place on a full run. An offer holds a place until it expires."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Place offered"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Offer expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="waiting_list"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waiting_list_entries"
    )
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waiting list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_live_waiting_entry_per_person_per_run",
                violation_error_message="This person is already on the waiting list.",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_an_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.person} waiting for {self.run.reference}"


class SentEmail(models.Model):
    """What was sent, by a key naming the message and its object: a task that runs twice
    finds its key here and sends nothing."""

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key


class CalendarFeed(models.Model):
    """A secret, rotatable address for a calendar subscription: one person's own sessions,
    or (for CPD leads) a whole school's. The URL carries `<id>.<secret>`; the secret is
    compared in constant time, and rotating it kills the old address."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        SCHOOL = "school", "School"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    school = models.ForeignKey(
        "accounts.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind="personal"), name="one_personal_feed_per_user"
            ),
            models.UniqueConstraint(
                fields=["school"], condition=Q(kind="school"), name="one_feed_per_school"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="personal", user__isnull=False, school__isnull=True)
                    | Q(kind="school", school__isnull=False, user__isnull=True)
                ),
                name="feed_belongs_to_its_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} feed {self.pk}"

    @property
    def token(self):
        return f"{self.pk}.{self.secret}"
