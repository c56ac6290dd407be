from django.db import models
from django.template.response import TemplateResponse
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import (
    AbstractEmailForm,
    AbstractFormField,
    AbstractFormSubmission,
)
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from core.routing import DirectRouteMixin
from courses.blocks import BodyBlock
from courses.models import CoursePage, CourseRun, StrandPage

from . import public_forms


class HomePage(DirectRouteMixin, Page):
    hero_heading = models.CharField(max_length=120, default="Professional development for schools")
    hero_intro = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("hero_heading"),
        FieldPanel("hero_intro"),
        FieldPanel("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "courses.ProgrammePage",
        "home.StandardPage",
        "home.FormPage",
        "home.NewsIndexPage",
    ]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["strands"] = StrandPage.objects.live().descendant_of(self).order_by("path")
        context["next_runs"] = (
            CourseRun.objects.upcoming()
            .filter(course__in=CoursePage.objects.live().descendant_of(self))
            .select_related("course", "venue")[:6]
        )
        context["latest_news"] = NewsPage.objects.live().descendant_of(self).order_by("-date")[:3]
        return context


class StandardPage(Page):
    intro = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    subpage_types = ["home.StandardPage", "home.FormPage"]


class NewsIndexPage(Page):
    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.NewsPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = NewsPage.objects.live().child_of(self).order_by("-date")
        return context


class NewsPage(Page):
    date = models.DateField("published on")
    intro = models.TextField(max_length=300)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["home.NewsIndexPage"]
    subpage_types = []


class FormField(AbstractFormField):
    page = ParentalKey("home.FormPage", on_delete=models.CASCADE, related_name="form_fields")


class EnquirySubmission(AbstractFormSubmission):
    """A form submission that remembers whether staff were told about it, so the
    notification task can run twice without emailing twice."""

    notified_at = models.DateTimeField(null=True, blank=True)


class FormPage(AbstractEmailForm):
    """Enquiries and bespoke-support requests. Staff are emailed through Celery."""

    intro = RichTextField(blank=True)
    thank_you_text = RichTextField(blank=True)

    content_panels = AbstractEmailForm.content_panels + [
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="Notification email",
        ),
    ]
    subpage_types = []

    def get_submission_class(self):
        return EnquirySubmission

    def get_submissions_list_view_class(self):
        from .views import EnquirySubmissionsListView  # Wagtail's views need loaded models

        return EnquirySubmissionsListView

    def serve(self, request, *args, **kwargs):
        """Wagtail's form flow, guarded: a filled honeypot is thanked and forgotten; a valid
        form over the client's rate limit is kept on screen with why, and nothing is stored
        or emailed."""
        if request.method != "POST":
            return super().serve(request, *args, **kwargs)
        if public_forms.is_bot(request):
            return self.render_landing_page(request, None, *args, **kwargs)
        form = self.get_form(request.POST, request.FILES, page=self, user=request.user)
        status = 200
        if form.is_valid():
            if public_forms.may_submit(request):
                submission = self.process_form_submission(form)
                return self.render_landing_page(request, submission, *args, **kwargs)
            form.add_error(None, public_forms.TOO_MANY)
            status = 429
        context = self.get_context(request)
        context["form"] = form
        return TemplateResponse(request, self.get_template(request), context, status=status)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["honeypot"] = public_forms.HONEYPOT
        return context

    def process_form_submission(self, form):
        # deferred: avoids a cycle (tasks -> services -> these models)
        from .tasks import send_form_notification

        submission = self.get_submission_class().objects.create(
            form_data=form.cleaned_data, page=self
        )
        if self.to_address:
            send_form_notification.delay_on_commit(submission.pk)
        return submission


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    organisation_name = models.CharField(max_length=150, default="School Improvement Service")
    council_name = models.CharField(max_length=150, default="the Council")
    contact_email = models.EmailField(default="cpd@example.gov.uk")
    contact_phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    linkedin_url = models.URLField(blank=True)
    x_url = models.URLField("X (Twitter) URL", blank=True)
    youtube_url = models.URLField("YouTube URL", blank=True)
    booking_terms_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page of booking terms, linked wherever people accept them.",
    )

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("council_name"),
        FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")]),
        FieldPanel("address"),
        FieldPanel("booking_terms_page"),
        MultiFieldPanel(
            [FieldPanel("linkedin_url"), FieldPanel("x_url"), FieldPanel("youtube_url")],
            heading="Social links",
        ),
    ]

    class Meta:
        verbose_name = "site settings"
