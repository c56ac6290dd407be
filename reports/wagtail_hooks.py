"""The Reports menu: shown to anyone who may open at least one report (service managers see
them all, finance officers the income report). The views check again and answer 403."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services, views

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("<slug:slug>/", views.ReportView.as_view(), name="report"),
]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(services.reports_for(request.user))


@hooks.register("register_admin_urls")
def register_reports_urls():
    return [path("reports/", include((urlpatterns, "reports"), namespace="reports"))]


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return ReportsMenuItem("Reports", reverse("reports:index"), icon_name="table", order=170)
