from django.db.models import Count, Q
from wagtail import hooks

from .dashboard import workflow_panels_first
from .explorer import CoursePageViewSet, StrandPageViewSet
from .models import EnquirySubmission


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    workflow_panels_first(request, panels)


@hooks.register("register_admin_viewset")
def register_course_page_listing():
    return CoursePageViewSet("course_pages")


@hooks.register("register_admin_viewset")
def register_strand_page_listing():
    return StrandPageViewSet("strand_pages")


@hooks.register("reports_count_enquiries")
def count_enquiries(starts_at, ends_at, strand_paths):
    """The demand report's enquiries (it cannot import home): submissions of the enquiry
    forms in the period, in all and per strand a form page sits under, in one query."""
    submissions = EnquirySubmission.objects.filter(
        submit_time__gte=starts_at, submit_time__lt=ends_at
    )
    counts = submissions.aggregate(
        total=Count("pk"),
        **{
            f"s{i}": Count("pk", filter=Q(page__path__startswith=p))
            for i, p in enumerate(strand_paths)
        },
    )
    return {"": counts["total"], **{p: counts[f"s{i}"] for i, p in enumerate(strand_paths)}}
