from wagtail import hooks

from .dashboard import workflow_panels_first
from .explorer import CoursePageViewSet, StrandPageViewSet


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    workflow_panels_first(request, panels)


@hooks.register("register_admin_viewset")
def register_course_page_listing():
    return CoursePageViewSet("course_pages")


@hooks.register("register_admin_viewset")
def register_strand_page_listing():
    return StrandPageViewSet("strand_pages")
