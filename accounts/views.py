import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import groups, permissions, services
from .forms import (
    ApprovalRulesForm,
    CloseAccountForm,
    ConsortiumBudgetForm,
    FindSchoolForm,
    GroupPersonForm,
    RolesForm,
    TrustPersonForm,
    TrustRolesForm,
)
from .models import JoinRequest, Membership, School, TrustMembership


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "memberships": user.memberships.select_related("school", "school__local_authority"),
            "pending_requests": user.join_requests.filter(
                status=JoinRequest.Status.PENDING
            ).select_related("school"),
            "managed_schools": permissions.schools_for(user, *permissions.MANAGERS)
            if not permissions.is_service_staff(user)
            else School.objects.none(),
            "trust_memberships": user.trust_memberships.select_related("trust").order_by(
                "trust__name"
            ),
            "consortium_memberships": user.consortium_memberships.select_related(
                "consortium"
            ).order_by("consortium__name"),
        },
    )


@login_required
def find_school(request):
    form = FindSchoolForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = services.find_schools(form.cleaned_data["q"])
    template = (
        "accounts/includes/school_results.html"
        if request.GET.get("partial")
        else ("accounts/find_school.html")
    )
    return render(request, template, {"form": form, "results": results})


@login_required
@require_POST
def join_school(request, school_id):
    school = get_object_or_404(School, pk=school_id)
    try:
        outcome = services.request_to_join(request.user, school)
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
        return redirect("accounts:find_school")
    if outcome.joined:
        messages.success(request, f"You have joined {school.name} as a teacher.")
    else:
        messages.info(
            request,
            f"We have asked {school.name}'s CPD lead to confirm you work there. "
            "We will email you when they decide.",
        )
    return redirect("accounts:home")


@login_required
def school_dashboard(request, school_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    members = school.memberships.select_related("user__email_bounce").order_by(
        "user__last_name", "user__email"
    )
    return render(
        request,
        "accounts/school_dashboard.html",
        {
            "school": school,
            "members": members,
            "join_requests": school.join_requests.filter(
                status=JoinRequest.Status.PENDING
            ).select_related("user"),
            "roles": Membership.Role.choices,
        },
    )


@login_required
def approval_rules(request, school_id):
    """The school's approval rules, set by its CPD lead or head: whether staff bookings need
    the lead's approval, and above what net price its finance contact's too."""
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    form = ApprovalRulesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "bookings_need_approval": school.bookings_need_approval,
            "approval_spend_threshold": school.approval_spend_threshold,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_approval_rules(
                school.pk,
                by=request.user,
                need_approval=form.cleaned_data["bookings_need_approval"],
                spend_threshold=form.cleaned_data["approval_spend_threshold"],
            )
        except services.AccountsError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{school.name}'s approval rules are saved.")
            return redirect("accounts:school_dashboard", school.pk)
    return render(
        request,
        "accounts/approval_rules.html",
        {
            "school": school,
            "form": form,
            "lead_hours": settings.BOOKING_APPROVAL_HOURS,
            "finance_hours": settings.FINANCE_APPROVAL_HOURS,
        },
    )


@login_required
@require_POST
def decide_join_request(request, school_id, request_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    if not school.join_requests.filter(pk=request_id).exists():
        raise Http404("No such request")
    decision = request.POST.get("decision")
    if decision not in {"approve", "decline"}:
        messages.error(request, "Choose approve or decline.")
        return redirect("accounts:school_dashboard", school.pk)
    try:
        join_request = services.decide_join_request(
            request_id, by=request.user, approve=decision == "approve"
        )
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{join_request.user.email}: {join_request.get_status_display().lower()}."
        )
    return redirect("accounts:school_dashboard", school.pk)


def _member_of(school, membership_id):
    membership = school.memberships.filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member")
    return membership


@login_required
@require_POST
def update_roles(request, school_id, membership_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    membership = _member_of(school, membership_id)
    _change_roles(request, membership, RolesForm(request.POST), services.set_roles)
    return redirect("accounts:school_dashboard", school.pk)


def _change_roles(request, membership, form, set_roles):
    """Apply a roles form (a school's or a trust's) through its service; say how it went."""
    if not form.is_valid():
        messages.error(request, f"{membership.user}: {form.errors['roles'][0]}")
        return
    try:
        set_roles(membership.pk, by=request.user, roles=form.cleaned_data["roles"])
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Roles updated for {membership.user}.")


@login_required
@require_POST
def remove_member(request, school_id, membership_id):
    school = permissions.school_or_404(request.user, school_id, *permissions.MANAGERS)
    membership = _member_of(school, membership_id)
    try:
        services.remove_member(membership.pk, by=request.user)
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{membership.user} is no longer on {school.name}'s staff list.")
    return redirect("accounts:school_dashboard", school.pk)


@login_required
def trust_dashboard(request, trust_id):
    """A trust's page: its schools (each with its bookings and CPD record), and the people who
    act for the whole trust. Its CPD leads add, change and remove those people here."""
    trust = permissions.trust_or_404(request.user, trust_id)
    manages = permissions.trusts_for(request.user, permissions.CPD_LEAD).filter(pk=trust.pk)
    manages = manages.exists()
    form = TrustPersonForm(request.POST or None)
    if request.method == "POST":
        if not manages:
            raise Http404("No such trust")
        if form.is_valid():
            try:
                added = groups.add_to_trust(trust, by=request.user, **form.cleaned_data)
            except services.AccountsError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"{added.user} now acts for {trust.name}.")
                return redirect("accounts:trust_dashboard", trust.pk)
    mine = trust.memberships.filter(user=request.user).first()
    return render(
        request,
        "accounts/trust_dashboard.html",
        {
            "trust": trust,
            "schools": trust.schools.select_related("local_authority").order_by("name"),
            "people": trust.memberships.select_related("user__email_bounce").order_by(
                "user__last_name", "user__email"
            ),
            "manages": manages,
            "sees_invoices": trust.billed_centrally and mine is not None and mine.is_finance,
            "roles": TrustMembership.Role.choices,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _trust_member(request, trust_id, membership_id):
    trust = permissions.trust_or_404(request.user, trust_id, permissions.CPD_LEAD)
    membership = trust.memberships.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such person")
    return trust, membership


@login_required
@require_POST
def update_trust_roles(request, trust_id, membership_id):
    trust, membership = _trust_member(request, trust_id, membership_id)
    _change_roles(request, membership, TrustRolesForm(request.POST), groups.set_trust_roles)
    return redirect("accounts:trust_dashboard", trust.pk)


@login_required
@require_POST
def remove_from_trust(request, trust_id, membership_id):
    trust, membership = _trust_member(request, trust_id, membership_id)
    try:
        groups.remove_from_trust(membership.pk, by=request.user)
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{membership.user} no longer acts for {trust.name}.")
    return redirect("accounts:trust_dashboard", trust.pk)


@login_required
def consortium_dashboard(request, consortium_id):
    """A consortium's page: its schools (each with its bookings and CPD record), what its
    shared budget paid for, and its leads, who add and remove one another here."""
    consortium = permissions.consortium_or_404(request.user, consortium_id)
    form = GroupPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = groups.add_consortium_lead(consortium, by=request.user, **form.cleaned_data)
        except services.AccountsError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{added.user} is now a lead of {consortium.name}.")
            return redirect("accounts:consortium_dashboard", consortium.pk)
    return render(
        request,
        "accounts/consortium_dashboard.html",
        {
            "consortium": consortium,
            "schools": consortium.schools.select_related("local_authority").order_by("name"),
            "leads": consortium.leads.select_related("user__email_bounce").order_by(
                "user__last_name", "user__email"
            ),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def consortium_budget(request, consortium_id):
    """The consortium's rules for its shared budget, set by its leads (or the CPD team):
    whether a lead approves each place it pays for, and which member schools may draw on it."""
    consortium = permissions.consortium_or_404(request.user, consortium_id)
    schools = list(consortium.schools.order_by("name"))
    closed = set(consortium.budget_closed_to.values_list("pk", flat=True))
    form = ConsortiumBudgetForm(
        request.POST if request.method == "POST" else None,
        schools=schools,
        initial={
            "budget_needs_approval": consortium.budget_needs_approval,
            "drawing_schools": [s.pk for s in schools if s.pk not in closed],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            groups.set_consortium_budget_rules(
                consortium.pk,
                by=request.user,
                needs_approval=form.cleaned_data["budget_needs_approval"],
                drawing_schools=form.cleaned_data["drawing_schools"],
            )
        except services.AccountsError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{consortium.name}'s budget rules are saved.")
            return redirect("accounts:consortium_dashboard", consortium.pk)
    return render(
        request,
        "accounts/consortium_budget.html",
        {
            "consortium": consortium,
            "form": form,
            "hours": settings.FINANCE_APPROVAL_HOURS,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def remove_consortium_lead(request, consortium_id, membership_id):
    consortium = permissions.consortium_or_404(request.user, consortium_id)
    membership = consortium.leads.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such person")
    try:
        groups.remove_consortium_lead(membership.pk, by=request.user)
    except services.AccountsError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{membership.user} is no longer a lead of {consortium.name}.")
    return redirect("accounts:consortium_dashboard", consortium.pk)


@login_required
def download_data(request):
    data = services.export_personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-cpd-account-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def close_account(request):
    form = CloseAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.close_account(request.user)
        logout(request)
        messages.success(request, "Your account is closed and your personal details removed.")
        return redirect("/")
    return render(request, "accounts/close_account.html", {"form": form})
