"""The catalogue's Wagtail pages: the programme, its strands, and each course (CoursePage),
with the subject tags a course carries."""

import json
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.links import site_url

from .. import registry
from ..blocks import BodyBlock, labelled
from .reference import Audience, Facilitator, Phase


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
        [("outcome", labelled(blocks.CharBlock(max_length=250, label="Outcome"), "Outcome"))],
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
    name_places_days = models.PositiveSmallIntegerField(
        "name reserved places (days before)",
        default=21,
        help_text="Schools that reserved places name people this many days before the first "
        "session, unless a date sets its own.",
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
                        FieldPanel("name_places_days"),
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
        from .runs import CourseRun, Session  # runs imports this module (a run's course)

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
        from .runs import CourseRun  # runs imports this module (a run's course)

        if self.pk is None:  # a new page in preview: no dates yet
            return CourseRun.objects.none()
        return (
            CourseRun.objects.upcoming()
            .filter(course=self)
            .select_related("venue")
            .prefetch_related("sessions")
        )

    @staticmethod
    def next_to_book(runs):
        """The soonest of these runs a teacher can book now (open, in its window, a place
        left): what "At a glance" offers to book. None when every date is full or shut."""
        return next((run for run in runs if run.is_bookable and run.places_left > 0), None)

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
        context = super().get_context(request, *args, **kwargs)
        runs = list(self.upcoming_runs())
        for run in runs:
            run.course = self  # what a run shows of its course, without reading it once a run
        context["runs"] = runs
        context["next_to_book"] = self.next_to_book(runs)
        context["all_dates_full"] = context["next_to_book"] is None and any(
            run.is_bookable for run in runs
        )
        # A signed-in school's own prices, from bookings (courses.registry): no money here.
        registry.course_page_context(self, request, context)
        context["strand"] = self.strand
        # Uncalled: the template calls it inside its kept fragment, so a kept copy reads nothing.
        context["related"] = self.related_courses
        # "<" escaped so no course text can close the script element.
        context["structured_data"] = json.dumps(self.structured_data(request, runs)).replace(
            "<", "\\u003c"
        )
        return context
