"""Emails about membership. Each is sent once: the row lock plus a sent-at field make a
re-run task a no-op."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.contact import service_contact_email
from core.emails import build_email, send_once
from core.links import site_url

from .models import ConsortiumMembership, JoinRequest, Membership, School, TrustMembership, User


def _send(template, subject, to, context):
    build_email(f"accounts/email/{template}", subject, to, context).send()


def _locked(join_request_id):
    return (
        JoinRequest.objects.select_for_update()
        .select_related("user", "school")
        .filter(pk=join_request_id)
        .first()
    )


def send_join_request_to_leads(join_request_id):
    with transaction.atomic():
        join_request = _locked(join_request_id)
        if join_request is None or join_request.leads_notified_at:
            return False
        leads = (
            Membership.objects.filter(school=join_request.school)
            .filter(is_cpd_lead=True)
            .select_related("user")
        )
        recipients = [m.user.email for m in leads if m.user.is_active]
        if not recipients:
            # No CPD lead yet: the service's bookings team decides instead.
            recipients = [service_contact_email()]
        _send(
            "join_request",
            f"{join_request.user.email} asks to join {join_request.school.name}",
            recipients,
            {
                "join_request": join_request,
                "dashboard_url": site_url(
                    reverse("accounts:school_dashboard", args=[join_request.school_id])
                ),
            },
        )
        join_request.leads_notified_at = timezone.now()
        join_request.save(update_fields=["leads_notified_at"])
    return True


def send_join_decision(join_request_id):
    with transaction.atomic():
        join_request = _locked(join_request_id)
        if (
            join_request is None
            or join_request.status == JoinRequest.Status.PENDING
            or join_request.decision_notified_at
        ):
            return False
        approved = join_request.status == JoinRequest.Status.APPROVED
        _send(
            "join_decision",
            f"{'Welcome to' if approved else 'Your request to join'} {join_request.school.name}",
            [join_request.user.email],
            {
                "join_request": join_request,
                "approved": approved,
                "account_url": site_url(reverse("accounts:home")),
            },
        )
        join_request.decision_notified_at = timezone.now()
        join_request.save(update_fields=["decision_notified_at"])
    return True


def _set_password_url(user):
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return site_url(path)


def send_group_welcome(kind, membership_id, added_by_id):
    """Tell someone given a trust's or consortium's role what they can now do, with a link to
    set a password if their account is new. Sent once per membership (SentEmail key)."""
    if kind == "trust":
        membership = TrustMembership.objects.select_related("user", "trust").filter(
            pk=membership_id
        )
        membership = membership.first()
        group = membership and membership.trust
        page = "accounts:trust_dashboard"
    else:
        membership = ConsortiumMembership.objects.select_related("user", "consortium")
        membership = membership.filter(pk=membership_id).first()
        group = membership and membership.consortium
        page = "accounts:consortium_dashboard"
    if membership is None or not membership.user.is_active:
        return False
    user, added_by = membership.user, User.objects.get(pk=added_by_id)
    new = not user.has_usable_password() and not user.last_login
    return send_once(
        f"group-welcome:{kind}:{membership.pk}",
        lambda: build_email(
            "accounts/email/group_welcome",
            f"{added_by.get_full_name() or added_by.email} added you to {group.name}",
            [user.email],
            {
                "user": user,
                "group": group,
                "kind": kind,
                "roles": [r.label for r in membership.roles] if kind == "trust" else [],
                "added_by": added_by,
                "set_password_url": _set_password_url(user) if new else "",
                "page_url": site_url(reverse(page, args=[group.pk])),
            },
        ),
    )


def send_invitation(user_id, school_id, invited_by_id):
    """Invite someone a CPD lead added: a link to set their password (which also proves the
    address is theirs). Sent once, while they have not yet set a password."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.has_usable_password() or user.last_login:
            return False
        school = School.objects.get(pk=school_id)
        invited_by = User.objects.get(pk=invited_by_id)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        _send(
            "invitation",
            f"{invited_by.get_full_name() or invited_by.email} added you to {school.name}",
            [user.email],
            {
                "user": user,
                "school": school,
                "invited_by": invited_by,
                "set_password_url": site_url(path),
            },
        )
    return True
