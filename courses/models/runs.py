"""Where and when a course runs: venues, a course's dated runs (CourseRun) and their sessions.
A change a calendar shows (a venue's address, a run's details, a session's times) bumps the
sessions' calendar SEQUENCE here."""

from decimal import Decimal
from urllib.parse import quote_plus

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.search import index

from core.wording import clock

from .. import registry
from .pages import CoursePage
from .reference import Facilitator


class Venue(index.Indexed, models.Model):
    name = models.CharField(max_length=150, unique=True)
    address = models.TextField(help_text="Street address, one line per row.")
    town = models.CharField(max_length=80)
    postcode = models.CharField(max_length=10)
    access_notes = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, parking, nearest bus stop."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("town"), FieldPanel("postcode")]),
        FieldPanel("access_notes"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("town"),
        index.SearchField("postcode"),  # the admin's venue search looks here too
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.town}"

    # What a calendar event's LOCATION shows: an edit bumps the SEQUENCE of every session
    # held here, so subscribed calendars take the new address.
    CALENDAR_FIELDS = ("name", "address", "town", "postcode")

    def save(self, *args, **kwargs):
        changed = False
        if self.pk:
            before = Venue.objects.filter(pk=self.pk).values(*self.CALENDAR_FIELDS).first()
            changed = bool(before) and any(
                before[f] != getattr(self, f) for f in self.CALENDAR_FIELDS
            )
        super().save(*args, **kwargs)
        if changed:
            Session.objects.filter(run__venue_id=self.pk).update(
                sequence=models.F("sequence") + 1, updated_at=timezone.now()
            )

    @property
    def address_lines(self):
        """The full postal address, a line each: name, street rows, town, postcode."""
        street = [line.strip() for line in self.address.splitlines() if line.strip()]
        return [self.name, *street, self.town, self.postcode]

    @property
    def map_url(self):
        return f"https://www.openstreetmap.org/search?query={quote_plus(self.postcode)}"


class CourseRunQuerySet(models.QuerySet):
    def with_dates(self):
        return self.annotate(
            first_starts_at=models.Min("sessions__starts_at"),
            last_ends_at=models.Max("sessions__ends_at"),
        )

    def with_places(self):
        # What holds a place is bookings' rule, registered with the catalogue (courses.registry).
        return registry.with_places_taken(self)

    def upcoming(self):
        """Runs still to start, soonest first, that teachers should see."""
        return (
            self.with_dates()
            .with_places()
            .filter(first_starts_at__gte=timezone.now())
            .exclude(status=CourseRun.Status.CANCELLED)
            .order_by("first_starts_at", "reference")
        )


class CourseRun(ClusterableModel):
    """One dated, bookable offering of a course: edited by bookings staff, not page revisions."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled (not yet bookable)"
        OPEN = "open", "Open for booking"
        CLOSED = "closed", "Booking closed"
        CANCELLED = "cancelled", "Cancelled"

    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="runs")
    reference = models.CharField(max_length=20, unique=True, help_text="e.g. ITL-2601-01")
    capacity = models.PositiveIntegerField(default=24, validators=[MinValueValidator(1)])
    minimum_places = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The fewest places booked for the run to go ahead. Leave blank to use the "
        "fill-rate report's default.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    booking_opens_at = models.DateTimeField(null=True, blank=True)
    booking_closes_at = models.DateTimeField(null=True, blank=True)
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    online_joining_url = models.URLField(
        blank=True, help_text="Sent only to confirmed delegates; never shown on public pages."
    )
    joining_instructions = models.TextField(blank=True)
    price_override = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Leave blank to use the course's price.",
    )
    name_by = models.DateTimeField(
        "name reserved places by",
        null=True,
        blank=True,
        help_text="Schools that reserved places name people by then, or the unnamed places are "
        "released. Leave blank to use the course's number of days before the first session.",
    )
    facilitators = ParentalManyToManyField(
        Facilitator,
        blank=True,
        related_name="runs",
        help_text="Who leads this run. Leave empty when the course's facilitators do.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseRunQuerySet.as_manager()

    # The Scheduling admin (bookings.run_admin) edits runs with these panels and its own form,
    # which refuses to delete a session people are booked on.
    panels = [
        FieldPanel("course"),
        FieldRowPanel(
            [
                FieldPanel("reference"),
                FieldPanel("capacity"),
                FieldPanel("minimum_places"),
                FieldPanel("status"),
            ]
        ),
        FieldRowPanel(
            [
                FieldPanel("booking_opens_at"),
                FieldPanel("booking_closes_at"),
                FieldPanel("name_by"),
            ]
        ),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldPanel("online_joining_url"),
                FieldPanel("joining_instructions"),
            ],
            heading="Where",
        ),
        FieldPanel("price_override"),
        FieldPanel("facilitators", widget=forms.CheckboxSelectMultiple),
        InlinePanel("sessions", heading="Sessions", label="Session", min_num=1),
    ]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="run_capacity_at_least_one"),
            models.CheckConstraint(
                condition=Q(minimum_places__isnull=True) | Q(minimum_places__gte=1),
                name="run_minimum_places_at_least_one",
                violation_error_message="A run's minimum is at least one place.",
            ),
            models.CheckConstraint(
                condition=Q(price_override__isnull=True) | Q(price_override__gte=0),
                name="run_price_override_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(booking_opens_at__isnull=True)
                | Q(booking_closes_at__isnull=True)
                | Q(booking_closes_at__gt=models.F("booking_opens_at")),
                name="run_booking_window_ordered",
                violation_error_message="Booking must close after it opens.",
            ),
        ]
        ordering = ["reference"]

    def __str__(self):
        return f"{self.course.title} ({self.reference})"

    # What a calendar event shows: a change to any of these bumps every session's SEQUENCE.
    CALENDAR_FIELDS = ("venue_id", "status", "online_joining_url", "joining_instructions")

    def save(self, *args, **kwargs):
        changed = False
        if self.pk:
            before = CourseRun.objects.filter(pk=self.pk).values(*self.CALENDAR_FIELDS).first()
            changed = bool(before) and any(
                before[f] != getattr(self, f) for f in self.CALENDAR_FIELDS
            )
        super().save(*args, **kwargs)
        if changed:
            Session.objects.filter(run_id=self.pk).update(
                sequence=models.F("sequence") + 1, updated_at=timezone.now()
            )

    def clean(self):
        if self.course_id and self.course.format != CoursePage.Format.ONLINE and not self.venue_id:
            raise ValidationError({"venue": "Choose a venue for an in-person or blended course."})
        if (
            self.course_id
            and self.course.format != CoursePage.Format.IN_PERSON
            and not (self.online_joining_url)
        ):
            raise ValidationError(
                {"online_joining_url": "Give the joining link for a live online or blended course."}
            )

    @property
    def price(self):
        return self.course.default_price if self.price_override is None else self.price_override

    @property
    def is_online(self):
        return self.venue_id is None

    @property
    def places_left(self):
        """Capacity less places taken; uses the `with_places()` annotation when present."""
        taken = getattr(self, "places_taken", None)
        if taken is None:
            runs = CourseRun.objects.filter(pk=self.pk).with_places()
            taken = runs.values_list("places_taken", flat=True).get()
        return max(self.capacity - taken, 0)

    @property
    def is_bookable(self):
        now = timezone.now()
        return (
            self.status == self.Status.OPEN
            and (self.booking_opens_at is None or self.booking_opens_at <= now)
            and (self.booking_closes_at is None or now < self.booking_closes_at)
        )


class Session(models.Model):
    """One meeting of a run: a timezone-aware start and end."""

    run = ParentalKey(CourseRun, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Bumped when time or place changes, for calendars."
    )
    cancelled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when this one meeting is called off; calendars show it as cancelled.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    panels = [FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")])]

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message="A session must end after it starts.",
            )
        ]

    def __str__(self):
        starts = timezone.localtime(self.starts_at)
        return f"{starts:%a} {starts.day} {starts:%b %Y}, {clock(starts)}"

    def save(self, *args, **kwargs):
        # Calendars only replace an event whose SEQUENCE went up: bump it when the time moves.
        if self.pk:
            before = Session.objects.filter(pk=self.pk).values("starts_at", "ends_at").first()
            moved = before and (before["starts_at"], before["ends_at"]) != (
                self.starts_at,
                self.ends_at,
            )
            if moved:
                self.sequence += 1
        super().save(*args, **kwargs)

    @property
    def duration_hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600
