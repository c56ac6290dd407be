"""The service's reports join Wagtail's own Reports menu: one item per report, shown to
whoever may open it (service managers see them all, finance officers the income report).
The views check again and answer 403."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import services, views

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("buy-in/targets/", views.BuyInTargetsView.as_view(), name="buy_in_targets"),
    path("<slug:slug>/", views.ReportView.as_view(), name="report"),
]


class ReportMenuItem(MenuItem):
    def __init__(self, report, order):
        self.report = report
        super().__init__(
            report.title,
            reverse("reports:report", args=[report.slug]),
            name=f"service-report-{report.slug}",
            icon_name="table",
            order=order,
        )

    def is_shown(self, request):
        return services.may_see(request.user, self.report)


@hooks.register("register_admin_urls")
def register_reports_urls():
    return [path("reports/", include((urlpatterns, "reports"), namespace="reports"))]


def _menu_item(report, order):
    return lambda: ReportMenuItem(report, order)


# Before Wagtail's own reports (locked pages, workflows, site history: order 700 and up).
for _order, _report in enumerate(services.REPORTS.values()):
    hooks.register("register_reports_menu_item", _menu_item(_report, 100 + _order * 10))
