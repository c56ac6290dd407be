"""The monthly invoicing run: choosing the month, starting the run as a Celery job, and its
progress page and the JSON it polls."""

from datetime import date

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from .. import jobs, services
from ..models import Invoice
from ..services import BillingError
from .base import BillingPage


def last_month(today=None):
    first = (today or timezone.localdate()).replace(day=1)
    previous = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return previous.strftime("%Y-%m")


class RunInvoicingForm(forms.Form):
    period = forms.CharField(
        label="Month", max_length=7, help_text="YYYY-MM, e.g. 2026-11. Places confirmed by the end "
        "of the month are invoiced."
    )  # fmt: skip

    def clean_period(self):
        period = self.cleaned_data["period"].strip()
        try:
            start, _ = services.period_bounds(period)
        except BillingError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        if start > timezone.localdate():
            raise forms.ValidationError(f"{period} has not started yet.")
        return period


class RunInvoicingView(BillingPage, FormView):
    model = Invoice
    permission_required = "add"
    page_title = "Run invoicing"
    header_icon = "resubmit"
    template_name = "billing/admin/run_invoicing.html"
    form_class = RunInvoicingForm

    def get_initial(self):
        return {"period": last_month()}

    def form_valid(self, form):
        job = jobs.start_invoicing_run(form.cleaned_data["period"], by=self.request.user)
        return redirect("billing_run_invoicing:progress", job)


class InvoicingProgressView(BillingPage, TemplateView):
    model = Invoice
    permission_required = "add"
    page_title = "Invoicing run"
    header_icon = "resubmit"
    template_name = "billing/admin/invoicing_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = jobs.job_status(self.kwargs["job"])
        if status is None:
            raise Http404("No such invoicing run (runs are remembered for a day).")
        context.update(
            job=self.kwargs["job"],
            status=status,
            status_url=reverse("billing_run_invoicing:status", args=[self.kwargs["job"]]),
        )
        return context


class InvoicingStatusView(PermissionCheckedMixin, View):
    """The run's progress as JSON, for the progress page to poll."""

    model = Invoice
    permission_required = "add"

    def get(self, request, job):
        status = jobs.job_status(job)
        if status is None:
            raise Http404("No such invoicing run")
        done, total = status.get("done") or 0, status.get("total")
        return JsonResponse(
            {
                "state": status["state"],
                "period": status["period"],
                "done": done,
                "total": total,
                "percent": (100 * done // total)
                if total
                else (100 if status["state"] == "done" else 0),
                "report": status.get("report", ""),
            }
        )
