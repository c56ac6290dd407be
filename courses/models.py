from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from accounts.roles import FACILITATORS
from core.links import site_url

from . import registry
from .blocks import BodyBlock


class Audience(index.Indexed, models.Model):
    """Who a course is for: a role such as "Teaching assistants" or "Middle leaders"."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Phase(models.Model):
    """The school phase a course suits: Early years, Primary, Secondary, Special, All phases."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


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
    def map_url(self):
        from urllib.parse import quote_plus

        return f"https://www.openstreetmap.org/search?query={quote_plus(self.postcode)}"


class Facilitator(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=150, blank=True, help_text="e.g. Senior adviser, SEND")
    bio = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The facilitator's staff login: it opens the registers of the runs they lead.
    user = models.OneToOneField(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitator",
        # Wagtail's Add user never sets is_staff: the Facilitators group is what makes one.
        limit_choices_to={"groups__name": FACILITATORS},
        verbose_name="staff login",
        help_text="Lets this person take the registers of the runs they lead.",
    )

    search_fields = [index.SearchField("name"), index.SearchField("role")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProgrammePage(Page):
    """The index of the five strands."""

    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.StrandPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["strands"] = StrandPage.objects.child_of(self).live().order_by("path")
        return context


class StrandPage(Page):
    class Colour(models.TextChoices):
        # Every colour carries white text at WCAG AA contrast or better.
        BLUE = "blue", "Blue"
        PURPLE = "purple", "Purple"
        TEAL = "teal", "Teal"
        BERRY = "berry", "Berry"
        RUST = "rust", "Rust"
        GREEN = "green", "Green"

    HEX = {
        "blue": "#1d4f91",
        "purple": "#5b2c83",
        "teal": "#00635d",
        "berry": "#9c1f5a",
        "rust": "#9a4300",
        "green": "#2e6b30",
    }

    colour = models.CharField(max_length=10, choices=Colour.choices, default=Colour.BLUE)
    strapline = models.CharField(max_length=160)
    body = StreamField(BodyBlock(), blank=True)
    nominal_code = models.CharField(
        max_length=20,
        blank=True,
        help_text="The council ledger's account code for this strand's income, e.g. 4100-ITL.",
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("colour"), FieldPanel("strapline")]),
        FieldPanel("body"),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("nominal_code")]
    search_fields = Page.search_fields + [index.SearchField("strapline")]
    parent_page_types = ["courses.ProgrammePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__in=["blue", "purple", "teal", "berry", "rust", "green"]),
                name="strand_colour_in_palette",
            )
        ]

    @property
    def hex_colour(self):
        return self.HEX.get(self.colour, self.HEX["blue"])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.listing(
            CoursePage.objects.live()
            .filter(Q(path__startswith=self.path) | Q(cross_listed_strands=self))
            .distinct()
        )
        return context


class CourseSubjectTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="subject_items"
    )


class CoursePage(Page):
    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Live online"
        BLENDED = "blended", "Blended"

    summary = models.TextField(max_length=400, help_text="One or two sentences for listings.")
    body = StreamField(BodyBlock(), blank=True)
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(max_length=250, label="Outcome"))],
        blank=True,
        help_text="What participants will be able to do afterwards.",
    )
    audiences = ParentalManyToManyField(Audience, blank=True, related_name="courses")
    phases = ParentalManyToManyField(Phase, blank=True, related_name="courses")
    subjects = ClusterTaggableManager(through=CourseSubjectTag, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    cpd_hours = models.DecimalField(
        "CPD hours",
        max_digits=4,
        decimal_places=1,
        default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    default_price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Price per place before VAT. 0 for a free course.",
    )
    facilitators = ParentalManyToManyField(Facilitator, blank=True, related_name="courses")
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    free_cancellation_days = models.PositiveSmallIntegerField(
        default=14,
        help_text="Cancel free of charge until this many days before the first session.",
    )

    class AttendanceRule(models.TextChoices):
        ALL = "all", "Every session"
        AT_LEAST = "at_least", "At least a number of sessions"

    attendance_rule = models.CharField(
        "counts as attended when the delegate was at",
        max_length=10,
        choices=AttendanceRule.choices,
        default=AttendanceRule.ALL,
    )
    min_sessions_attended = models.PositiveSmallIntegerField(
        "minimum sessions",
        null=True,
        blank=True,
        help_text="With 'at least': how many sessions a delegate must attend.",
    )

    class VatTreatment(models.TextChoices):
        STANDARD = "standard", "Standard rate (20%)"
        ZERO = "zero", "Zero rate (0%)"
        EXEMPT = "exempt", "Exempt from VAT"

    vat_treatment = models.CharField(
        "VAT", max_length=10, choices=VatTreatment.choices, default=VatTreatment.STANDARD
    )
    late_cancellation_charge_percent = models.PositiveSmallIntegerField(
        "late-cancellation charge (%)",
        default=100,
        validators=[MaxValueValidator(100)],
        help_text="Share of the place's price charged for a cancellation after the free period.",
    )
    no_show_charge_percent = models.PositiveSmallIntegerField(
        "no-show charge (%)",
        default=100,
        validators=[MaxValueValidator(100)],
        help_text="Share of the place's price charged when a delegate does not attend.",
    )
    cross_listed_strands = ParentalManyToManyField(
        "courses.StrandPage",
        blank=True,
        related_name="cross_listed_courses",
        help_text="Also list this course in these strands.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("format"), FieldPanel("cpd_hours"), FieldPanel("default_price")]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("vat_treatment"),
                        FieldPanel("free_cancellation_days"),
                        FieldPanel("late_cancellation_charge_percent"),
                        FieldPanel("no_show_charge_percent"),
                    ]
                ),
                FieldRowPanel([FieldPanel("attendance_rule"), FieldPanel("min_sessions_attended")]),
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                FieldPanel("phases", widget=forms.CheckboxSelectMultiple),
                FieldPanel("subjects"),
                FieldPanel("facilitators"),
                FieldPanel("cross_listed_strands"),
            ],
            heading="Course details",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.SearchField("learning_outcomes"),
        index.RelatedFields("subjects", [index.SearchField("name")]),
        index.RelatedFields("audiences", [index.SearchField("name")]),
        index.FilterField("format"),
        index.FilterField("default_price"),
    ]
    parent_page_types = ["courses.StrandPage"]
    subpage_types = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(default_price__gte=0), name="course_price_not_negative"
            ),
            models.CheckConstraint(condition=Q(cpd_hours__gte=0), name="course_hours_not_negative"),
            models.CheckConstraint(
                condition=Q(late_cancellation_charge_percent__lte=100)
                & Q(no_show_charge_percent__lte=100),
                name="course_charges_at_most_full_price",
            ),
            models.CheckConstraint(
                condition=Q(attendance_rule="all")
                | Q(attendance_rule="at_least", min_sessions_attended__gte=1),
                name="course_attendance_minimum_set",
                violation_error_message="Give the minimum number of sessions (1 or more).",
            ),
            models.CheckConstraint(
                condition=Q(vat_treatment__in=["standard", "zero", "exempt"]),
                name="course_vat_treatment_known",
            ),
        ]

    @cached_property
    def strand(self):
        return StrandPage.objects.filter(path=self.path[: -self.steplen]).first()

    @classmethod
    def listing(cls, queryset):
        """Courses for a list, with what a card shows fetched up front: one query per list,
        whatever its length."""
        next_session = (
            Session.objects.filter(run__course=models.OuterRef("pk"), starts_at__gte=timezone.now())
            .exclude(run__status=CourseRun.Status.CANCELLED)
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
        return queryset.annotate(next_starts_at=models.Subquery(next_session)).order_by(
            models.F("next_starts_at").asc(nulls_last=True), "title"
        )

    def upcoming_runs(self):
        return (
            CourseRun.objects.upcoming()
            .filter(course=self)
            .select_related("venue")
            .prefetch_related("sessions")
        )

    def related_courses(self, limit=3):
        """Other live courses in the same strand, those sharing an audience first."""
        strand = self.strand
        if strand is None:
            return CoursePage.objects.none()
        # .all(), not values_list(): a preview's in-memory page holds its audiences unsaved.
        audiences = [audience.pk for audience in self.audiences.all()]
        siblings = (
            CoursePage.objects.live()
            .child_of(strand)
            .exclude(pk=self.pk)
            .annotate(shared=models.Count("audiences", filter=Q(audiences__in=audiences)))
            .order_by("-shared", "title")
        )
        return CoursePage.listing(siblings).order_by("-shared", "title")[:limit]

    def structured_data(self, request, runs):
        """schema.org Course with its upcoming CourseInstances, for search engines."""
        mode = {"in_person": "onsite", "online": "online", "blended": "blended"}[self.format]
        instances = []
        for run in runs:
            sessions = list(run.sessions.all())
            instance = {
                "@type": "CourseInstance",
                "courseMode": mode,
                "startDate": sessions[0].starts_at.isoformat() if sessions else None,
                "endDate": sessions[-1].ends_at.isoformat() if sessions else None,
                "offers": {
                    "@type": "Offer",
                    "price": str(run.price),
                    "priceCurrency": "GBP",
                    "availability": "https://schema.org/"
                    + ("InStock" if run.places_left > 0 else "SoldOut"),
                },
            }
            if run.venue:
                instance["location"] = {
                    "@type": "Place",
                    "name": run.venue.name,
                    "address": {
                        "@type": "PostalAddress",
                        "addressLocality": run.venue.town,
                        "postalCode": run.venue.postcode,
                        "addressCountry": "GB",
                    },
                }
            else:
                instance["location"] = {"@type": "VirtualLocation", "url": site_url(self.url)}
            instances.append(instance)
        return {
            "@context": "https://schema.org",
            "@type": "Course",
            "name": self.title,
            "description": self.summary,
            "url": self.full_url,
            "provider": {
                "@type": "Organization",
                "name": "School Improvement Service",
                "url": site_url("/"),
            },
            "timeRequired": f"PT{self.cpd_hours.normalize()}H",
            "hasCourseInstance": instances,
        }

    def get_context(self, request, *args, **kwargs):
        import json

        context = super().get_context(request, *args, **kwargs)
        runs = list(self.upcoming_runs())
        context["runs"] = runs
        # A signed-in school's own prices, from bookings (courses.registry): no money here.
        registry.course_page_context(self, request, context)
        context["strand"] = self.strand
        context["related"] = self.related_courses()
        # "<" escaped so no course text can close the script element.
        context["structured_data"] = json.dumps(self.structured_data(request, runs)).replace(
            "<", "\\u003c"
        )
        return context


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
        FieldRowPanel([FieldPanel("booking_opens_at"), FieldPanel("booking_closes_at")]),
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
        return f"{timezone.localtime(self.starts_at):%a %d %b %Y %H:%M}"

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
