"""Page explorer columns for the programme: each course page's strand and next run, and each
strand's colour and its next run. Wagtail uses a page type's viewset when listing the children
of a parent that allows only that type (strand -> courses, programme -> strands), and for the
"pages of this type" listing. Figures are annotations on the listing's one query."""

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.html import format_html
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import ExplorableIndexView, PageListingMixin
from wagtail.admin.views.pages.usage import ContentTypeUseView
from wagtail.admin.viewsets.pages import PageViewSet

from courses.models import CoursePage, CourseRun, StrandPage


def next_run_starts(runs):
    """When the soonest of `runs` still to start begins (runs not cancelled)."""
    return Subquery(
        runs.exclude(status=CourseRun.Status.CANCELLED)
        .with_dates()
        .filter(first_starts_at__gte=timezone.now())
        .order_by("first_starts_at")
        .values("first_starts_at")[:1]
    )


def _strand_of_course(field):
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - CoursePage.steplen)
    return Subquery(StrandPage.objects.filter(path=parent_path).values(field)[:1])


class StrandColumn(Column):
    """The strand's title beside a swatch of its colour (the swatch is decoration only)."""

    def get_value(self, instance):
        return getattr(instance, "strand_title", None)

    def render_cell_html(self, instance, parent_context):
        title = self.get_value(instance)
        if not title:
            return format_html("<td>{}</td>", "—")
        colour = StrandPage.HEX.get(getattr(instance, "strand_colour", ""), StrandPage.HEX["blue"])
        return format_html(
            '<td><span aria-hidden="true" style="display:inline-block;width:0.8em;height:0.8em;'
            'border-radius:2px;margin-inline-end:0.4em;background:{}"></span>{}</td>',
            colour,
            title,
        )


class NextRunColumn(Column):
    """The date itself, not "in 3 weeks": staff plan around the day."""

    def render_cell_html(self, instance, parent_context):
        starts = getattr(instance, "next_run_at", None)
        if starts is None:
            return format_html("<td>{}</td>", "None scheduled")
        starts = timezone.localtime(starts)
        return format_html(
            '<td><time datetime="{}">{}</time></td>',
            starts.isoformat(),
            starts.strftime("%a %-d %b %Y"),
        )


def programme_columns(next_run_label):
    base = PageListingMixin.base_columns
    title_at = next(i for i, col in enumerate(base) if col.name == "title") + 1
    return [
        *base[:title_at],
        StrandColumn("strand_title", label="Strand", sort_key="strand_title", width="18%"),
        NextRunColumn("next_run_at", label=next_run_label, sort_key="next_run_at", width="12%"),
        *base[title_at:],
    ]


class CourseListingMixin:
    def annotate_queryset(self, pages):
        pages = pages.annotate(
            strand_title=_strand_of_course("title"),
            strand_colour=_strand_of_course("colour"),
            next_run_at=next_run_starts(CourseRun.objects.filter(course=OuterRef("pk"))),
        )
        return super().annotate_queryset(pages)


class StrandListingMixin:
    def annotate_queryset(self, pages):
        # A strand is its own strand: its title and colour come from the row itself.
        pages = pages.annotate(
            strand_title=F("title"),
            strand_colour=F("colour"),
            next_run_at=next_run_starts(
                CourseRun.objects.filter(course__path__startswith=OuterRef("path"))
            ),
        )
        return super().annotate_queryset(pages)


class CourseExploreView(CourseListingMixin, ExplorableIndexView):
    pass


class CourseTypeUseView(CourseListingMixin, ContentTypeUseView):
    pass


class StrandExploreView(StrandListingMixin, ExplorableIndexView):
    pass


class StrandTypeUseView(StrandListingMixin, ContentTypeUseView):
    pass


class CoursePageViewSet(PageViewSet):
    model = CoursePage
    index_view_class = CourseExploreView
    content_type_use_view_class = CourseTypeUseView
    columns = programme_columns("Next run")


class StrandPageViewSet(PageViewSet):
    model = StrandPage
    index_view_class = StrandExploreView
    content_type_use_view_class = StrandTypeUseView
    columns = programme_columns("Next run in strand")
