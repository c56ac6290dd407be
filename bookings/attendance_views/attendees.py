"""An attendee's pages after the course: the evaluation, the certificate (and its
public check by number), and the impact follow-up."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from .. import attendance
from ..services import BookingRefused
from .forms import AnswerForm, EvaluationForm


def _own_place_or_404(user, enrolment_id):
    try:
        return attendance.own_attended_place(user, enrolment_id)
    except BookingRefused:
        raise Http404("No such course on your record") from None


@login_required
def evaluate(request, enrolment_id):
    enrolment = _own_place_or_404(request.user, enrolment_id)
    evaluation = attendance.related_or_none(enrolment, "evaluation")
    if evaluation and evaluation.is_submitted:
        return render(
            request,
            "bookings/after/evaluate.html",
            {"enrolment": enrolment, "evaluation": evaluation, "done": True},
        )
    form = EvaluationForm(
        request.POST if request.method == "POST" else None,
        intended_outcome=enrolment.intended_outcome,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attendance.submit_evaluation(
                enrolment.pk,
                by=request.user,
                ratings={name: data[name] for name, _ in attendance.RATING_QUESTIONS},
                will_do_differently=data["will_do_differently"],
                comments=data["comments"],
                outcome_progress=data.get("outcome_progress"),
                outcome_comment=data.get("outcome_comment", ""),
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Thank you for your evaluation. Your certificate is ready to download."
            )
            return redirect(reverse("bookings:cpd_record") + f"#place-{enrolment.pk}")
    return render(
        request,
        "bookings/after/evaluate.html",
        {"enrolment": enrolment, "form": form, "sessions": attendance.held_sessions(enrolment.run)},
    )


def _pdf_response(pdf, filename):
    response = HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate(request, enrolment_id):
    found = attendance.certificate_for(request.user, enrolment_id)
    return _pdf_response(attendance.certificate_pdf(found.pk), f"certificate-{found.number}.pdf")


def verify_certificate(request, number):
    """Public: is this certificate genuine? Shows the name and the course, nothing more."""
    found = attendance.find_certificate(number)
    if found is None:
        response = render(
            request, "bookings/after/verify_not_found.html", {"number": number[:40]}, status=404
        )
    else:
        response = render(request, "bookings/after/verify.html", {"certificate": found})
    response["X-Robots-Tag"] = "noindex"
    return response


# Letters, digits and dashes, as printed; anything else is no certificate's number.
CERTIFICATE_NUMBER = re.compile(r"[A-Z0-9-]{1,40}")


def check_certificate(request):
    """The form behind the verification address, for a number typed from paper."""
    number = "".join((request.GET.get("number") or "").split()).upper()
    if CERTIFICATE_NUMBER.fullmatch(number):
        return redirect("bookings:verify_certificate", number)
    error = ""
    if number:
        error = "That is not a certificate number: they look like CPD-ABCDE-23456."
    elif "number" in request.GET:
        error = "Enter the certificate number."
    response = render(request, "bookings/after/check.html", {"error": error})
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def impact(request, enrolment_id):
    follow_up, role = attendance.impact_for(request.user, enrolment_id)
    delegate = role == "delegate"
    mine = follow_up.delegate_answer if delegate else follow_up.lead_answer
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial={
            "answer": mine,
            "outcome_progress": follow_up.outcome_progress,
            "outcome_comment": follow_up.outcome_comment,
        },
        intended_outcome=follow_up.enrolment.intended_outcome if delegate else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            attendance.answer_impact(
                enrolment_id,
                by=request.user,
                answer=form.cleaned_data["answer"],
                outcome_progress=form.cleaned_data.get("outcome_progress"),
                outcome_comment=form.cleaned_data.get("outcome_comment", ""),
            )
        except BookingRefused as refusal:
            form.add_error(refusal.code if refusal.code in form.fields else "answer", str(refusal))
        else:
            messages.success(request, "Thank you: your answer is saved.")
            if role == "lead":
                return redirect("bookings:school_cpd", follow_up.enrolment.booking.school_id)
            return redirect(reverse("bookings:cpd_record") + f"#place-{enrolment_id}")
    return render(
        request,
        "bookings/after/impact.html",
        {"follow_up": follow_up, "enrolment": follow_up.enrolment, "role": role, "form": form},
    )
