"""The Reports pages in the Wagtail admin: an index, and one page per report with its filters,
charts, tables and CSV/XLSX exports. Thin: the figures come from reports.services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from accounts.models import LocalAuthority
from core.params import id_param

from . import services
from .filters import read_filters, strands, year_choices
from .forms import BuyInTargetForm
from .models import BuyInTarget
from .services.targets import remove_buy_in_target, set_buy_in_target
from .tables import csv_response, xlsx_response


class ReportsPage(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def forbidden(self):
        # A real 403 (Wagtail would turn PermissionDenied into a redirect to the dashboard).
        return TemplateResponse(
            self.request,
            "reports/admin/forbidden.html",
            {"page_title": "Reports", "header_title": "Reports", "header_icon": self.header_icon},
            status=403,
        )

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("reports:index"), "label": "Reports"},
            {"url": "", "label": self.get_page_title()},
        ]


class ReportIndexView(ReportsPage):
    page_title = "Reports"
    template_name = "reports/admin/index.html"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": "Reports"}]

    def dispatch(self, request, *args, **kwargs):
        self.request = request
        if not services.reports_for(request.user):
            return self.forbidden()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(reports=services.reports_for(self.request.user), **kwargs)


class ReportView(ReportsPage):
    template_name = "reports/admin/report.html"

    def dispatch(self, request, *args, slug, **kwargs):
        self.report = services.REPORTS.get(slug)
        if self.report is None:
            raise Http404
        if not services.may_see(request.user, self.report):
            self.request = request
            return self.forbidden()
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.report.title

    def get(self, request, *args, **kwargs):
        filters = read_filters(request.GET, self.report.thresholds)
        result = self.report.build(filters)
        stem = f"{self.report.slug}-{filters.year.start_year}-{filters.year.start_year + 1}"
        export = request.GET.get("format")
        if export == "xlsx":
            return xlsx_response(result.tables, f"{stem}.xlsx", filters.description)
        if export == "csv":
            key = request.GET.get("table") or result.tables[0].key
            table = next((t for t in result.tables if t.key == key), None)
            if table is None:
                raise Http404("No such table in this report.")
            return csv_response(table, f"{stem}-{table.key}.csv")
        return self.render_to_response(
            self.get_context_data(
                report=self.report,
                filters=filters,
                result=result,
                years=year_choices(filters.year),
                las=LocalAuthority.objects.order_by("name"),
                strands=strands(),
                thresholds=[(t, filters.thresholds[t.name]) for t in self.report.thresholds],
                xlsx_query=filters.query(format="xlsx"),
                sections=[(t, filters.query(format="csv", table=t.key)) for t in result.tables],
            )
        )


class BuyInTargetsView(ReportsPage):
    """Service managers set the year's buy-in targets; the buy-in report measures them."""

    page_title = "Buy-in targets"
    template_name = "reports/admin/buy_in_targets.html"

    def dispatch(self, request, *args, **kwargs):
        self.request = request
        if not services.may_see(request.user, services.REPORTS["buy-in"]):
            return self.forbidden()
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("reports:index"), "label": "Reports"},
            {"url": reverse("reports:report", args=["buy-in"]), "label": "Buy-in"},
            {"url": "", "label": self.page_title},
        ]

    def _year(self, params):
        filters = read_filters(params)
        return filters.year

    def get(self, request, *args, **kwargs):
        year = self._year(request.GET)
        return self._page(BuyInTargetForm(year=year), year)

    def post(self, request, *args, **kwargs):
        remove = id_param(request.POST, "remove")
        if remove is not None:
            target = get_object_or_404(BuyInTarget, pk=remove)
            year = target.year
            remove_buy_in_target(target)
            messages.success(request, f"The target for {target.scope_label} in {year} is gone.")
            return redirect(f"{reverse('reports:buy_in_targets')}?year={year.label}")
        form = BuyInTargetForm(request.POST, year=self._year(request.POST))
        if not form.is_valid():
            return self._page(form, self._year(request.POST), status=400)
        year = form.cleaned_data["year"]
        target = set_buy_in_target(year, percent=form.cleaned_data["percent"], **form.scope)
        messages.success(
            request,
            f"Target set for {target.scope_label} in {year}: {target.percent}% of open schools.",
        )
        return redirect(f"{reverse('reports:buy_in_targets')}?year={year.label}")

    def _page(self, form, year, status=200):
        context = self.get_context_data(
            form=form,
            year=year,
            targets=BuyInTarget.objects.filter(start_year=year.start_year).select_related(
                "local_authority", "trust"
            ),
            report_url=f"{reverse('reports:report', args=['buy-in'])}?year={year.label}",
        )
        return self.render_to_response(context, status=status)
