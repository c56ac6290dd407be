"""Cancelling a whole run, and a run's sessions with calling one off."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from core.admin import may
from courses.models import CourseRun, Session

from .. import schedule, services
from ..models import Enrolment, WaitingListEntry
from ..services import BookingRefused
from .run_pages import RunPageMixin


class CancelRunForm(forms.Form):
    # Not required here: cancel_run() refuses a blank reason with its own message.
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Every delegate is emailed this reason.",
    )


class CancelRunView(RunPageMixin, TemplateView):
    model = CourseRun
    permission_required = "change"
    page_title = "Cancel run"
    page_name = "bookings_admin:cancel_run"
    header_icon = "cross"
    template_name = "bookings/admin/cancel_run.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CancelRunForm()))

    def post(self, request, *args, **kwargs):
        form = CancelRunForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_run(
                    self.run.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BookingRefused as refusal:
                form.add_error("reason" if refusal.code == "reason" else None, str(refusal))
            else:
                messages.success(
                    request,
                    f"{self.run.reference} is cancelled. Every place on it is cancelled free "
                    "of charge and the delegates are being emailed.",
                )
                return self.back_to("delegates")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            live_places=Enrolment.objects.filter(
                run=self.run,
                status__in=[Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING_APPROVAL],
            ).count(),
            waiting=WaitingListEntry.objects.filter(
                run=self.run,
                status__in=[WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED],
            ).count(),
            cancelled=self.run.status == CourseRun.Status.CANCELLED,
        )
        return context


def may_cancel_sessions(user, run):
    return run.status != CourseRun.Status.CANCELLED and may(user, CourseRun, "change")


class RunSessionsView(RunPageMixin, TemplateView):
    model = CourseRun
    any_permission_required = ["view", "change"]
    page_title = "Sessions"
    page_name = "courserun:sessions"
    header_icon = "time"
    template_name = "bookings/admin/sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        cancellable = may_cancel_sessions(self.request.user, self.run)
        context["sessions"] = [
            {
                "session": session,
                "cancel_url": reverse("courserun:cancel_session", args=[self.run.pk, session.pk])
                if cancellable and session.cancelled_at is None and session.starts_at > now
                else None,
            }
            for session in self.run.sessions.order_by("starts_at")
        ]
        context["edit_url"] = reverse("courserun:edit", args=[self.run.pk])
        return context


class CancelSessionForm(forms.Form):
    # Not required here: cancel_session() refuses a blank reason with its own message.
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Every confirmed delegate is emailed this reason.",
    )


class CancelSessionView(RunPageMixin, TemplateView):
    """Call off one session through schedule.cancel_session(); places stay booked."""

    model = CourseRun
    permission_required = "change"
    page_title = "Cancel a session"
    page_name = "courserun:cancel_session"
    header_icon = "cross"
    template_name = "bookings/admin/cancel_session.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session = get_object_or_404(Session, pk=kwargs["session_id"], run=self.run)

    def get_page_subtitle(self):
        return f"{self.run.reference}, {self.session}"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CancelSessionForm()))

    def post(self, request, *args, **kwargs):
        form = CancelSessionForm(request.POST)
        if form.is_valid():
            try:
                schedule.cancel_session(
                    self.session.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except BookingRefused as refusal:
                form.add_error("reason" if refusal.code == "reason" else None, str(refusal))
            else:
                messages.success(
                    request,
                    f"The session on {self.session} is cancelled. Places stay booked; calendars "
                    "show it as cancelled and the confirmed delegates are being emailed.",
                )
                return redirect("courserun:sessions", self.run.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            session=self.session,
            confirmed=Enrolment.objects.filter(
                run=self.run, status=Enrolment.Status.CONFIRMED
            ).count(),
            sessions_url=reverse("courserun:sessions", args=[self.run.pk]),
        )
        return context
