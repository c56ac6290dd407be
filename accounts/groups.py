"""Use cases for the people of a trust or a consortium: adding (or inviting) them, changing a
trust member's roles and taking them off. Service staff add the first lead; after that a trust's
CPD leads and a consortium's leads look after their own people, as a school's CPD lead does."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import permissions
from .models import ConsortiumMembership, TrustMembership, User
from .services import AccountsError, keep_a_cpd_lead
from .tasks import send_group_welcome


def _clean_person(email, first_name, last_name):
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError("Enter a valid email address.") from None
    return email, (first_name or "").strip(), (last_name or "").strip()


def _person(email, first_name, last_name, *, by):
    """The account for `email`, or a new one (to be invited to set a password)."""
    if email == by.email.lower():
        raise AccountsError("You cannot give yourself a role. Ask another lead or the CPD team.")
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_active or user.closed_at:
            raise AccountsError(f"{email} belongs to a closed account.")
        return user
    if not first_name or not last_name:
        raise AccountsError(f"{email} has no account yet: enter their first and last name.")
    user = User.objects.create_user(
        email, None, first_name=first_name[:150], last_name=last_name[:150]
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def _trust_roles(roles):
    roles = set(roles)
    unknown = roles - set(TrustMembership.Role.values)
    if unknown:
        raise AccountsError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if not roles:
        raise AccountsError("Choose at least one role, or take the person off the trust.")
    return roles


def _check_manages_trust(trust, by):
    if not permissions.trusts_for(by, permissions.CPD_LEAD).filter(pk=trust.pk).exists():
        raise AccountsError("Only the trust's CPD lead can change who acts for the trust.")


def add_to_trust(trust, *, by, email, roles, first_name="", last_name=""):
    """A trust CPD lead (or service staff) gives someone trust-wide roles: an existing account
    by its email, or a new one invited to set a password. Both are told by email."""
    roles = _trust_roles(roles)
    email, first_name, last_name = _clean_person(email, first_name, last_name)
    with transaction.atomic():
        _check_manages_trust(trust, by)
        person = _person(email, first_name, last_name, by=by)
        if TrustMembership.objects.filter(user=person, trust=trust).exists():
            raise AccountsError(f"{email} already acts for {trust.name}: change their roles.")
        membership = TrustMembership.objects.create(
            user=person,
            trust=trust,
            is_cpd_lead=permissions.CPD_LEAD in roles,
            is_finance=permissions.FINANCE in roles,
        )
        send_group_welcome.delay_on_commit("trust", membership.pk, by.pk)
    return membership


def _trust_membership_managed_by(trust_membership_id, by):
    membership = (
        TrustMembership.objects.select_for_update()
        .select_related("trust", "user")
        .filter(pk=trust_membership_id)
        .first()
    )
    if membership is None:
        raise AccountsError("That person was not found.")
    _check_manages_trust(membership.trust, by)
    return membership


def _keep_a_trust_lead(membership):
    leads = TrustMembership.objects.filter(trust=membership.trust, is_cpd_lead=True)
    keep_a_cpd_lead(membership, leads, membership.trust.name)


def set_trust_roles(trust_membership_id, *, by, roles):
    """Change someone's trust-wide roles. Nobody raises their own; a trust keeps a CPD lead."""
    roles = _trust_roles(roles)
    with transaction.atomic():
        membership = _trust_membership_managed_by(trust_membership_id, by)
        if membership.user_id == by.pk and roles - set(membership.roles):
            raise AccountsError(
                "You cannot give yourself a role. Ask another of the trust's CPD leads or "
                "the CPD team."
            )
        if permissions.CPD_LEAD not in roles:
            _keep_a_trust_lead(membership)
        membership.is_cpd_lead = permissions.CPD_LEAD in roles
        membership.is_finance = permissions.FINANCE in roles
        membership.save()
    return membership


def remove_from_trust(trust_membership_id, *, by):
    """Take someone's trust-wide roles away (what they booked stays with the schools)."""
    with transaction.atomic():
        membership = _trust_membership_managed_by(trust_membership_id, by)
        _keep_a_trust_lead(membership)
        membership.delete()
    return membership


def add_consortium_lead(consortium, *, by, email, first_name="", last_name=""):
    """A consortium lead (or service staff) adds another lead: an existing account by its
    email, or a new one invited to set a password."""
    email, first_name, last_name = _clean_person(email, first_name, last_name)
    with transaction.atomic():
        if not permissions.consortia_for(by).filter(pk=consortium.pk).exists():
            raise AccountsError("Only the consortium's leads can add a lead.")
        person = _person(email, first_name, last_name, by=by)
        if ConsortiumMembership.objects.filter(user=person, consortium=consortium).exists():
            raise AccountsError(f"{email} already leads {consortium.name}.")
        membership = ConsortiumMembership.objects.create(user=person, consortium=consortium)
        send_group_welcome.delay_on_commit("consortium", membership.pk, by.pk)
    return membership


def remove_consortium_lead(consortium_membership_id, *, by):
    """Take a lead off a consortium. A lead does not remove themselves, so one always stays
    (service staff can, from the admin)."""
    with transaction.atomic():
        membership = (
            ConsortiumMembership.objects.select_for_update()
            .select_related("consortium", "user")
            .filter(pk=consortium_membership_id)
            .first()
        )
        if (
            membership is None
            or not permissions.consortia_for(by).filter(pk=membership.consortium_id).exists()
        ):
            raise AccountsError("That person was not found.")
        if membership.user_id == by.pk:
            raise AccountsError("You cannot take yourself off. Ask another lead or the CPD team.")
        membership.delete()
    return membership


def set_consortium_budget_rules(consortium_id, *, by, needs_approval, drawing_schools):
    """A consortium lead (or service staff) decides whether places paid from the shared budget
    need a lead's approval, and which member schools may draw on it at all (ids); the others
    pay for their own places. A school outside the consortium is refused, and nothing saved."""
    with transaction.atomic():
        consortium = (
            permissions.consortia_for(by).select_for_update().filter(pk=consortium_id).first()
        )
        if consortium is None:
            raise AccountsError("That consortium was not found.")
        members = set(consortium.schools.values_list("pk", flat=True))
        drawing = set(drawing_schools)
        if drawing - members:
            raise AccountsError("Choose from the consortium's member schools.")
        consortium.budget_needs_approval = needs_approval
        consortium.save(update_fields=["budget_needs_approval"])
        consortium.budget_closed_to.set(members - drawing)
    return consortium
