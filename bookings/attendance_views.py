"""Pages after the course: registers (for facilitators and the bookings team), evaluations,
certificates and their public check, impact follow-ups, and CPD records. Thin: each change
goes through bookings.attendance; a refusal is shown and nothing is written."""

import csv
import datetime as dt
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Membership
from core.academic_year import AcademicYear
from core.exports import spreadsheet_safe
from core.params import id_param
from courses.models import CourseRun, Session

from . import attendance
from .admin_views import open_schools
from .models import Enrolment, RegisterClosure
from .services import BookingRefused

# --- forms --------------------------------------------------------------------------------------


class WalkInForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=open_schools(),
        empty_label="Choose their school",
        error_messages={
            "required": "Choose the school they work at.",
            # A school closed or gone since the page was drawn.
            "invalid_choice": "Choose the school they work at from the list.",
        },
    )
    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their first name."}
    )
    last_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their last name."}
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Their certificate and evaluation go here.",
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address like name@school.sch.uk.",
        },
    )
    po_number = forms.CharField(
        label="Purchase order (PO) number",
        max_length=40,
        required=False,
        help_text="Only if their school needs one on every booking.",
    )


RATING_CHOICES = [
    (1, "1 (poor)"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 (excellent)"),
]


class EvaluationForm(forms.Form):
    will_do_differently = forms.CharField(
        label="What will you do differently after this course?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what you will do differently."},
    )
    comments = forms.CharField(
        label="Any other comments",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in attendance.RATING_QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Rate “{label.lower()}” from 1 to 5.",
                    "invalid_choice": f"Rate “{label.lower()}” from 1 to 5.",
                },
            )
        # Ratings first, as the page shows them.
        self.order_fields([name for name, _ in attendance.RATING_QUESTIONS])

    def rating_fields(self):
        return [self[name] for name, _ in attendance.RATING_QUESTIONS]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="What has changed in practice since the course?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write what changed, even if it is “not much yet”."},
    )


class WaiveForm(forms.Form):
    reason = forms.CharField(
        max_length=150, error_messages={"required": "Give a reason for waiving the charge."}
    )


# --- registers ------------------------------------------------------------------------------------


def _held(**filters):
    return Q(sessions__cancelled_at__isnull=True, **filters)


@login_required
def registers(request):
    """The registers this person takes: today's, those waiting to be closed, the next
    fortnight's, and those closed lately."""
    if not attendance.takes_registers(request.user):
        raise Http404("No registers")
    now = timezone.now()
    today = timezone.localdate(now)
    runs = (
        attendance.registers_for(request.user)
        .exclude(status=CourseRun.Status.CANCELLED)
        .select_related("course", "venue", "register_closure")
        .annotate(
            first_starts_at=Min("sessions__starts_at", filter=_held()),
            last_starts_at=Max("sessions__starts_at", filter=_held()),
            on_register=Count(
                "enrolments",
                filter=Q(enrolments__status__in=attendance.ON_REGISTER),
                distinct=True,
            ),
            today_session=Subquery(
                Session.objects.filter(
                    run=OuterRef("pk"), cancelled_at__isnull=True, starts_at__date=today
                )
                .order_by("starts_at")
                .values("pk")[:1]
            ),
        )
        .filter(first_starts_at__isnull=False)
    )
    open_runs = runs.filter(register_closure__isnull=True)
    soon = Session.objects.filter(
        run=OuterRef("pk"),
        cancelled_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=14),
    )
    return render(
        request,
        "bookings/after/registers.html",
        {
            "today": open_runs.filter(today_session__isnull=False).order_by("first_starts_at")[:50],
            "to_close": open_runs.filter(today_session__isnull=True, last_starts_at__lte=now)
            .filter(on_register__gt=0)
            .order_by("last_starts_at")[:50],
            "coming": open_runs.filter(Exists(soon), today_session__isnull=True).order_by(
                "first_starts_at"
            )[:50],
            "closed": runs.filter(
                register_closure__closed_at__gte=now - dt.timedelta(days=30)
            ).order_by("-register_closure__closed_at")[:50],
        },
    )


def _register_context(request, run):
    sessions = attendance.held_sessions(run)
    lines = attendance.register_lines(run)
    for line in lines:
        line.cells = [line.present_at(session) for session in sessions]
    closure = RegisterClosure.objects.filter(run=run).select_related("closed_by").first()
    now = timezone.now()
    return {
        "run": run,
        "sessions": sessions,
        "lines": lines,
        "closure": closure,
        "pending_approval": Enrolment.objects.filter(
            run=run, status=Enrolment.Status.PENDING_APPROVAL
        ).count(),
        "can_close": closure is None and bool(sessions) and sessions[-1].starts_at <= now,
        "can_waive": permissions.can_manage_bookings(request.user),
        "rule": _rule_text(run.course, len(sessions)),
    }


def _rule_text(course, held):
    if course.attendance_rule == "at_least":
        needed = min(course.min_sessions_attended or 1, held)
        return f"Counts as attended at {needed} or more of the {held} sessions."
    if held == 1:
        return "Counts as attended when present at the session."
    return f"Counts as attended only when present at all {held} sessions."


@login_required
def run_register(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    context = _register_context(request, run)
    for session in context["sessions"]:
        marks = [line.present_at(session) for line in context["lines"]]
        session.marked = sum(m is not None for m in marks)
        session.present = sum(m is True for m in marks)
    context["waive_form"] = WaiveForm()
    return render(request, "bookings/after/run_register.html", context)


@login_required
def print_register(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    return render(request, "bookings/after/print_register.html", _register_context(request, run))


def _session_or_404(run, session_id):
    session = run.sessions.filter(pk=session_id, cancelled_at__isnull=True).first()
    if session is None:
        raise Http404("No such session")
    return session


@login_required
def session_register(request, run_id, session_id, walk_in_form=None, status=200):
    """The door list for one session: a tap marks each person present or absent."""
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    context = _register_context(request, run)
    lines = context["lines"]
    for line in lines:
        line.present = line.present_at(session)
    may_walk_in = attendance.may_add_walk_in(request.user, run.pk)
    blocked = attendance.why_not_markable(run, session)
    context.update(
        session=session,
        blocked=blocked,
        may_walk_in=may_walk_in,
        walk_in_form=walk_in_form or (WalkInForm() if may_walk_in else None),
        marked=sum(line.present is not None for line in lines),
        present=sum(line.present is True for line in lines),
    )
    return render(request, "bookings/after/session_register.html", context, status=status)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def mark(request, run_id, session_id):
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    back = reverse("bookings:session_register", args=[run.pk, session.pk])
    enrolment_id = id_param(request.POST, "enrolment")
    choice = request.POST.get("present", "")
    error = None
    if enrolment_id is None:
        error = "Choose a person on the register."
    elif choice not in {"yes", "no"}:
        error = "Choose present or absent."
    else:
        try:
            attendance.mark_attendance(
                session.pk, enrolment_id, present=choice == "yes", by=request.user
            )
        except BookingRefused as refusal:
            error = str(refusal)
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"present": choice == "yes"})
    if error:
        messages.error(request, error)
        return redirect(back)
    return redirect(f"{back}#place-{enrolment_id}")


@login_required
@require_POST
def walk_in(request, run_id, session_id):
    run = attendance.register_or_404(request.user, run_id)
    session = _session_or_404(run, session_id)
    if not attendance.may_add_walk_in(request.user, run.pk):
        raise Http404("No such page")
    form = WalkInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = attendance.add_walk_in(
                session.pk,
                by=request.user,
                school=data["school"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                po_number=data["po_number"],
            )
        except BookingRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"{enrolment.delegate} is booked as an on-the-day addition and marked present.",
            )
            return redirect(
                reverse("bookings:session_register", args=[run.pk, session.pk])
                + f"#place-{enrolment.pk}"
            )
    return session_register(request, run.pk, session.pk, walk_in_form=form)


@login_required
@require_POST
def close(request, run_id):
    run = attendance.register_or_404(request.user, run_id)
    try:
        closure = attendance.close_register(run.pk, by=request.user)
    except BookingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Register closed: {closure.attended} attended, {closure.no_shows} did not. "
            "CPD leads are being told of their no-shows; attendees will be asked to evaluate.",
        )
    return redirect("bookings:run_register", run.pk)


@login_required
@require_POST
def waive(request, run_id, enrolment_id):
    run = attendance.register_or_404(request.user, run_id)
    if not permissions.can_manage_bookings(request.user):
        raise Http404("No such page")
    enrolment = Enrolment.objects.filter(pk=enrolment_id, run=run).select_related("delegate")
    enrolment = enrolment.first()
    if enrolment is None:
        raise Http404("No such place")
    form = WaiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            attendance.waive_no_show_charge(
                enrolment.pk, by=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"{enrolment.delegate}'s no-show charge is waived.")
    return redirect(reverse("bookings:run_register", args=[run.pk]) + "#outcome")


# --- evaluations and certificates -----------------------------------------------------------------


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
    form = EvaluationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attendance.submit_evaluation(
                enrolment.pk,
                by=request.user,
                ratings={name: data[name] for name, _ in attendance.RATING_QUESTIONS},
                will_do_differently=data["will_do_differently"],
                comments=data["comments"],
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


# --- impact follow-ups --------------------------------------------------------------------------


@login_required
def impact(request, enrolment_id):
    follow_up, role = attendance.impact_for(request.user, enrolment_id)
    mine = follow_up.delegate_answer if role == "delegate" else follow_up.lead_answer
    form = AnswerForm(request.POST if request.method == "POST" else None, initial={"answer": mine})
    if request.method == "POST" and form.is_valid():
        try:
            attendance.answer_impact(
                enrolment_id, by=request.user, answer=form.cleaned_data["answer"]
            )
        except BookingRefused as refusal:
            form.add_error("answer", str(refusal))
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


# --- CPD records --------------------------------------------------------------------------------


@login_required
def my_record(request):
    return render(
        request, "bookings/after/record.html", {"record": attendance.cpd_record(request.user)}
    )


def _hours(value):
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def _csv_response(filename, headings, rows):
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    response.write("\ufeff")  # Excel reads UTF-8 only with the BOM
    writer = csv.writer(response)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return response


def _ratings(evaluation):
    if evaluation and evaluation.is_submitted:
        return [evaluation.quality, evaluation.relevance, evaluation.facilitator]
    return ["", "", ""]


@login_required
def my_record_csv(request):
    record = attendance.cpd_record(request.user)
    return _csv_response(
        "cpd-record.csv",
        [
            "Course",
            "Strand",
            "Dates",
            "Academic year",
            "CPD hours",
            "Certificate number",
            "Quality",
            "Relevance",
            "Facilitator",
            "What I will do differently",
        ],
        [
            [
                line.course.title,
                line.strand_title,
                line.dates,
                line.academic_year,
                _hours(line.hours),
                line.certificate.number if line.certificate else "",
                *_ratings(line.evaluation),
                line.evaluation.will_do_differently if line.evaluation else "",
            ]
            for line in record.lines
        ],
    )


@login_required
def my_record_pdf(request):
    record = attendance.cpd_record(request.user)
    pdf = attendance.render_pdf(
        "bookings/after/record_pdf.html",
        {"record": record, "today": timezone.localdate()},
    )
    return _pdf_response(pdf, "cpd-record.pdf")


def _school_record(request, school_id):
    """The school's record for the year asked for: this academic year unless another
    (2025/26) or "all" is chosen."""
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    wanted = request.GET.get("year", "")
    if wanted == "all":
        year = ""
    elif re.fullmatch(r"[0-9]{4}/[0-9]{2}", wanted):
        year = wanted
    else:
        year = AcademicYear.current().label
    return attendance.school_record(school, year)


@login_required
def school_record(request, school_id):
    record = _school_record(request, school_id)
    years = sorted({AcademicYear.current().label, *record.years}, reverse=True)
    return render(
        request,
        "bookings/after/school_record.html",
        {
            "record": record,
            "school": record.school,
            "years": years,
            "is_lead": Membership.objects.filter(
                user=request.user, school=record.school, is_cpd_lead=True
            ).exists(),
            "follow_up_weeks": settings.IMPACT_FOLLOW_UP_DAYS // 7,
        },
    )


@login_required
def school_record_csv(request, school_id):
    record = _school_record(request, school_id)
    return _csv_response(
        f"cpd-{record.school.urn}-{(record.year or 'all-years').replace('/', '-')}.csv",
        [
            "Staff member",
            "Course",
            "Strand",
            "Dates",
            "Academic year",
            "CPD hours",
            "Quality",
            "Relevance",
            "Facilitator",
            "What changed (staff member)",
            "What changed (CPD lead)",
        ],
        [
            [
                str(line.enrolment.delegate),
                line.course.title,
                line.strand_title,
                line.dates,
                line.academic_year,
                _hours(line.hours),
                *_ratings(line.evaluation),
                line.impact.delegate_answer if line.impact else "",
                line.impact.lead_answer if line.impact else "",
            ]
            for line in record.lines
        ],
    )


@login_required
def school_record_pdf(request, school_id):
    record = _school_record(request, school_id)
    pdf = attendance.render_pdf(
        "bookings/after/school_record_pdf.html",
        {"record": record, "today": timezone.localdate()},
    )
    name = (record.year or "all-years").replace("/", "-")
    return _pdf_response(pdf, f"cpd-{record.school.urn}-{name}.pdf")
