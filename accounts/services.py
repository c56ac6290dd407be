"""Use cases for people and schools: joining, approving, roles, personal data."""

import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.params import parse_int

from . import permissions, personal_data
from .gias import MAX_URN
from .models import EmailBounce, JoinRequest, Membership, School, User
from .tasks import (
    notify_leads_of_join_request,
    notify_requester_of_decision,
    send_invitation,
)


class AccountsError(Exception):
    """A refusal with a message fit to show the person who asked."""


@dataclass
class JoinOutcome:
    joined: bool
    membership: Membership | None = None
    request: JoinRequest | None = None


POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d?[A-Z]{0,2}$", re.I)


def find_schools(query, limit=10):
    """Open schools matching a name, a URN or a postcode, best matches first."""
    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return School.objects.none()
    schools = School.objects.exclude(status=School.Status.CLOSED).select_related("local_authority")
    if query.isascii() and query.isdigit():
        urn = parse_int(query, maximum=MAX_URN)
        return schools.filter(urn=urn)[:limit] if urn is not None else schools.none()
    compact = query.replace(" ", "").upper()
    match = Q(name__icontains=query)
    if POSTCODE.match(query):
        match |= Q(postcode__iexact=query) | Q(postcode__istartswith=query)
        if len(compact) > 4:  # "HV31AA" should find "HV3 1AA"
            match |= Q(postcode__iexact=f"{compact[:-3]} {compact[-3:]}")
    return schools.filter(match).order_by("name")[:limit]


def _email_domain(user):
    return user.email.rsplit("@", 1)[-1].lower()


def _has_verified_email(user):
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def request_to_join(user, school):
    """Join at once when the person's verified email is on the school's domain; otherwise
    ask the school's CPD lead, who is emailed."""
    if not school.is_open:
        raise AccountsError(f"{school.name} is closed, so it cannot take new members.")
    with transaction.atomic():
        if Membership.objects.filter(user=user, school=school).exists():
            raise AccountsError(f"You are already a member of {school.name}.")
        if _email_domain(user) in school.domains and _has_verified_email(user):
            membership = Membership.objects.create(user=user, school=school, is_teacher=True)
            return JoinOutcome(joined=True, membership=membership)
        pending = JoinRequest.objects.filter(
            user=user, school=school, status=JoinRequest.Status.PENDING
        ).first()
        if pending:
            return JoinOutcome(joined=False, request=pending)
        try:
            with transaction.atomic():
                join_request = JoinRequest.objects.create(user=user, school=school)
        except IntegrityError:  # a double-click raced us to it
            join_request = JoinRequest.objects.get(
                user=user, school=school, status=JoinRequest.Status.PENDING
            )
            return JoinOutcome(joined=False, request=join_request)
        notify_leads_of_join_request.delay_on_commit(join_request.pk)
        return JoinOutcome(joined=False, request=join_request)


def decide_join_request(join_request_id, *, by, approve):
    """A CPD lead (or headteacher) approves or declines a request to join their school."""
    with transaction.atomic():
        join_request = (
            JoinRequest.objects.select_for_update()
            .select_related("school", "user")
            .filter(pk=join_request_id)
            .first()
        )
        if join_request is None or not permissions.has_role(
            by, join_request.school, *permissions.MANAGERS
        ):
            raise AccountsError("That request was not found.")
        if join_request.user_id == by.pk:
            raise AccountsError(
                "You cannot decide your own request to join. Another of the school's CPD "
                "leads or its headteacher must."
            )
        if join_request.status != JoinRequest.Status.PENDING:
            raise AccountsError("That request has already been decided.")
        join_request.status = (
            JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
        )
        join_request.decided_by = by
        join_request.decided_at = timezone.now()
        join_request.save()
        if approve:
            Membership.objects.get_or_create(
                user=join_request.user, school=join_request.school, defaults={"is_teacher": True}
            )
        notify_requester_of_decision.delay_on_commit(join_request.pk)
    return join_request


def _membership_managed_by(membership_id, by):
    membership = (
        Membership.objects.select_for_update()
        .select_related("school", "user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not permissions.has_role(by, membership.school, *permissions.MANAGERS):
        raise AccountsError("That person was not found.")
    return membership


def keep_a_cpd_lead(membership, leads, name):
    """A school (or a trust) always keeps a CPD lead: `membership` may lose the role, or go,
    only while another of `leads` holds it. One rule for both."""
    if membership.is_cpd_lead and not leads.exclude(pk=membership.pk).exists():
        raise AccountsError(f"{name} needs a CPD lead. Make someone else CPD lead first.")


def _keep_a_cpd_lead(membership):
    leads = Membership.objects.filter(school=membership.school, is_cpd_lead=True)
    keep_a_cpd_lead(membership, leads, membership.school.name)


def set_roles(membership_id, *, by, roles):
    """Change what someone may do at a school. A school always keeps at least one CPD lead."""
    roles = set(roles)
    unknown = roles - set(Membership.Role.values)
    if unknown:
        raise AccountsError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if not roles:
        raise AccountsError("Choose at least one role, or remove the person from the school.")
    with transaction.atomic():
        membership = _membership_managed_by(membership_id, by)
        if membership.user_id == by.pk and roles - set(membership.roles):
            raise AccountsError(
                "You cannot give yourself a role. Ask another of the school's CPD leads or "
                "its headteacher."
            )
        if Membership.Role.CPD_LEAD not in roles:
            _keep_a_cpd_lead(membership)
        for role, field in permissions.ROLE_FIELDS.items():
            setattr(membership, field, role in roles)
        membership.save()
    return membership


def remove_member(membership_id, *, by):
    """Take someone off a school's staff list (their bookings stay with the school)."""
    with transaction.atomic():
        membership = _membership_managed_by(membership_id, by)
        _keep_a_cpd_lead(membership)
        membership.delete()


def set_approval_rules(school_id, *, by, need_approval, spend_threshold):
    """A school's manager decides whether staff bookings need the CPD lead's approval and,
    above what net price a place, its finance contact's too (None: the lead's is enough)."""
    if spend_threshold is not None and spend_threshold < 0:
        raise AccountsError("Enter a spend limit of £0 or more, or leave it empty.")
    with transaction.atomic():
        school = (
            permissions.schools_for(by, *permissions.MANAGERS)
            .select_for_update()
            .filter(pk=school_id)
            .first()
        )
        if school is None:
            raise AccountsError("That school was not found.")
        school.bookings_need_approval = need_approval
        school.approval_spend_threshold = spend_threshold
        school.save(update_fields=["bookings_need_approval", "approval_spend_threshold"])
    return school


def export_personal_data(user):
    """Everything held about a person, as a JSON-ready dict (UK GDPR right of access): the
    account here, then what the apps registered in `personal_data` hold (bookings: places,
    needs, attendance, evaluations, certificates and waiting lists)."""
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "job_title": user.job_title,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "schools": [
            {
                "urn": m.school.urn,
                "name": m.school.name,
                "roles": list(m.roles),
                "joined_at": m.joined_at.isoformat(),
            }
            for m in user.memberships.select_related("school")
        ],
        "trusts": [
            {"uid": m.trust.uid, "name": m.trust.name, "roles": list(m.roles)}
            for m in user.trust_memberships.select_related("trust")
        ],
        "consortia": [
            {"name": m.consortium.name, "roles": ["lead"]}
            for m in user.consortium_memberships.select_related("consortium")
        ],
        "join_requests": [
            {"school": r.school.name, "status": r.status, "created_at": r.created_at.isoformat()}
            for r in user.join_requests.select_related("school")
        ],
        "email_bounces": [
            {
                "address": b.address,
                "kind": b.kind,
                "reason": b.reason,
                "occurred_at": b.occurred_at.isoformat(),
            }
            for b in EmailBounce.objects.filter(user=user)
        ],
    }
    return personal_data.export(user, data)


def close_account(user):
    """Anonymise a person who leaves. Bookings and invoices stay (the council must keep them),
    but nothing in them identifies the person any more, and their access and dietary needs go."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.closed_at:
            return user
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.memberships.all().delete()
        user.trust_memberships.all().delete()
        user.consortium_memberships.all().delete()
        user.join_requests.filter(status=JoinRequest.Status.PENDING).delete()
        EmailBounce.objects.filter(user=user).delete()
        personal_data.erase(user)  # bookings: the needs go, every calendar address stops
        user.email = f"closed-account-{user.pk}@invalid.example"
        user.first_name = ""
        user.last_name = "Former user"
        user.job_title = ""
        user.is_active = False
        user.is_staff = False
        user.set_unusable_password()
        user.closed_at = timezone.now()
        user.save()
    return user


def invite_colleague(school, *, by, first_name, last_name, email, walk_in=False):
    """A CPD lead adds someone to the staff list so they can be booked. A new person gets an
    invitation to set a password; an existing account joins only if its email is on the
    school's domain (otherwise they ask to join themselves). `walk_in`: the caller (a register's
    walk-in form) has already checked that `by` is at the door of that run."""
    if not walk_in and not permissions.has_role(by, school, *permissions.MANAGERS):
        raise AccountsError("Only the school's CPD lead can add colleagues.")
    email = (email or "").strip().lower()
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError("Enter a valid email address.") from None
    if not first_name or not last_name:
        raise AccountsError("Enter their first and last name.")
    if not school.is_open:
        raise AccountsError(f"{school.name} is closed.")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            if Membership.objects.filter(user=user, school=school).exists():
                return user
            if email.rsplit("@", 1)[-1] not in school.domains:
                raise AccountsError(
                    f"{email} already has an account. Ask them to join {school.name} from "
                    "their account page, then you can book them."
                )
            Membership.objects.create(user=user, school=school, is_teacher=True)
            return user
        user = User.objects.create_user(
            email, None, first_name=first_name[:150], last_name=last_name[:150]
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        Membership.objects.create(user=user, school=school, is_teacher=True)
        send_invitation.delay_on_commit(user.pk, school.pk, by.pk)
    return user
