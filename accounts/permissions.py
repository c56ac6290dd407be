"""Who may act for which school. Every view that shows a school's or a person's data asks here.

A role is held at a school directly (Membership) or through a group: a trust's CPD leads and
finance contacts hold that role at every school in the trust (TrustMembership), and a
consortium's leads oversee its schools (CONSORTIUM_LEAD: they see bookings and CPD records,
and manage nothing). schools_for() is the one place that says so.

Refusals are 404s, never 403s, so that ids and tokens reveal nothing about what exists."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404

from .models import (
    Consortium,
    ConsortiumMembership,
    Membership,
    School,
    Trust,
    TrustMembership,
    User,
)

TEACHER = Membership.Role.TEACHER
CPD_LEAD = Membership.Role.CPD_LEAD
FINANCE = Membership.Role.FINANCE
HEADTEACHER = Membership.Role.HEADTEACHER

# Who can manage a school's staff: its CPD leads and its headteacher.
MANAGERS = (CPD_LEAD, HEADTEACHER)

ROLE_FIELDS = {
    TEACHER: "is_teacher",
    CPD_LEAD: "is_cpd_lead",
    FINANCE: "is_finance",
    HEADTEACHER: "is_headteacher",
}

# The school roles a trust-wide role carries to every school in the trust.
TRUST_ROLE_FIELDS = {
    CPD_LEAD: "is_cpd_lead",
    FINANCE: "is_finance",
}

# A consortium lead oversees its member schools: asked for only where seeing is enough.
CONSORTIUM_LEAD = "consortium_lead"

# Who may see a school's bookings and CPD record: its managers, and its consortia's leads.
OVERSEERS = (*MANAGERS, CONSORTIUM_LEAD)


def staff_powers():
    """holds_staff_powers' test (superusers aside) as an expression on a User query: a member
    of any group, or granted Wagtail's admin directly. The sign-in backends read it with the
    user (accounts.backends), sparing a query on every signed-in request."""
    groups = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    admin = User.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"),
        permission__codename="access_admin",
        permission__content_type__app_label="wagtailadmin",
    )
    return ExpressionWrapper(Exists(groups) | Exists(admin), output_field=BooleanField())


def holds_staff_powers(user):
    """The one test of staff powers: a superuser, a member of any group (every group is one of
    the service's staff roles, accounts.roles) or anyone granted Wagtail's admin directly.
    Not `is_staff`: Wagtail's *Add user* never sets it. Remembered on the user object."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_holds_staff_powers", None)
    if cached is None:
        cached = User.objects.filter(pk=user.pk).filter(staff_powers()).exists()
        user._holds_staff_powers = cached
    return cached


def holds_powers(user):
    """Staff powers, or any role at a school, a trust or a consortium."""
    return (
        holds_staff_powers(user)
        or Membership.objects.filter(user=user).exists()
        or user.trust_memberships.exists()
        or user.consortium_memberships.exists()
    )


def is_service_staff(user):
    """Council staff who look after schools (bookings officers, superusers). Staff powers come
    first: they are what the MFA gate checks, so no permission works without passing it, and
    a teacher's pages skip the two permission queries (holds_staff_powers is remembered)."""
    return holds_staff_powers(user) and (
        user.is_superuser or user.has_perm("accounts.change_school")
    )


def can_manage_bookings(user):
    """The CPD team's bookings officers: phone bookings, promotions, cancelling runs."""
    return holds_staff_powers(user) and (
        user.is_superuser or user.has_perm("bookings.change_enrolment")
    )


def _held(user, roles):
    """A filter on School: `user` holds one of `roles` there, directly or through a group."""
    held = Q(pk__in=[])
    for role in roles:
        if role in ROLE_FIELDS:
            at_school = Membership.objects.filter(user=user, **{ROLE_FIELDS[role]: True})
            held |= Q(pk__in=at_school.values("school"))
        if role in TRUST_ROLE_FIELDS:
            in_trust = TrustMembership.objects.filter(user=user, **{TRUST_ROLE_FIELDS[role]: True})
            held |= Q(trust__in=in_trust.values("trust"))
        if role == CONSORTIUM_LEAD:
            led = ConsortiumMembership.objects.filter(user=user).values("consortium")
            held |= Q(
                pk__in=Consortium.schools.through.objects.filter(consortium__in=led).values(
                    "school"
                )
            )
    return held


def schools_for(user, *roles):
    """The schools `user` may act for holding any of `roles` (any school or trust role when
    none are given), directly or through their trust or consortium."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    if is_service_staff(user):
        return School.objects.all()
    return School.objects.filter(_held(user, roles or tuple(ROLE_FIELDS)))


def member_schools(user):
    """The schools `user` may book for, by name, each marked `manages` when
    has_role(user, school, *MANAGERS) holds: the schools they are on the staff of, and every
    school of a trust they are CPD lead for. One query: the booking pages ask on every Book."""
    if not user.is_authenticated or not user.is_active:
        return []
    on_staff = Membership.objects.filter(user=user).values("school")
    schools = list(
        School.objects.filter(Q(pk__in=on_staff) | _held(user, [CPD_LEAD]))
        .annotate(manages=ExpressionWrapper(_held(user, MANAGERS), output_field=BooleanField()))
        .order_by("name")
    )
    if schools and is_service_staff(user):  # staff act for every school (schools_for)
        for school in schools:
            school.manages = True
    return schools


def has_role(user, school, *roles):
    return schools_for(user, *roles).filter(pk=school.pk).exists()


def school_or_404(user, school_id, *roles):
    """The school, if `user` holds one of `roles` there (or is service staff); else 404."""
    try:
        return schools_for(user, *roles).get(pk=school_id)
    except (School.DoesNotExist, ValueError, TypeError):
        raise Http404("No such school") from None


def trusts_for(user, *roles):
    """The trusts `user` holds one of `roles` for (any trust role when none are given);
    service staff look after every trust."""
    if not user.is_authenticated or not user.is_active:
        return Trust.objects.none()
    if is_service_staff(user):
        return Trust.objects.all()
    held = Q(pk__in=[])
    for role in roles or tuple(TRUST_ROLE_FIELDS):
        held |= Q(**{f"memberships__{TRUST_ROLE_FIELDS[role]}": True})
    return Trust.objects.filter(held, memberships__user=user).distinct()


def trust_or_404(user, trust_id, *roles):
    try:
        return trusts_for(user, *roles).get(pk=trust_id)
    except (Trust.DoesNotExist, ValueError, TypeError):
        raise Http404("No such trust") from None


def consortia_for(user):
    """The consortia `user` leads; service staff look after every consortium."""
    if not user.is_authenticated or not user.is_active:
        return Consortium.objects.none()
    if is_service_staff(user):
        return Consortium.objects.all()
    return Consortium.objects.filter(leads__user=user)


def consortium_or_404(user, consortium_id):
    try:
        return consortia_for(user).get(pk=consortium_id)
    except (Consortium.DoesNotExist, ValueError, TypeError):
        raise Http404("No such consortium") from None


def approvers_of(school):
    """Who is asked to approve a teacher's booking at `school`: its own CPD leads, or, when it
    has none, its trust's CPD leads (who may approve anyway), so that a request reaches someone
    without every school's requests filling a trust lead's inbox."""
    active = {"is_active": True, "closed_at": None}
    own = User.objects.filter(memberships__school=school, memberships__is_cpd_lead=True, **active)
    if own.exists() or not school.trust_id:
        return own
    return User.objects.filter(
        trust_memberships__trust=school.trust_id, trust_memberships__is_cpd_lead=True, **active
    )


def manages_expression(user_ref, school_ref):
    """has_role(user, school, *MANAGERS) as an expression over outer columns (`user_ref`,
    `school_ref`: OuterRef's), for a query that checks the right as it finds a row (a school's
    calendar address): a CPD lead or headteacher there, or a CPD lead of its trust."""
    held = Q(pk__in=[])
    for role in MANAGERS:
        held |= Q(**{ROLE_FIELDS[role]: True})
    at_school = Membership.objects.filter(held, user=user_ref, school=school_ref)
    in_trust = TrustMembership.objects.filter(
        user=user_ref, is_cpd_lead=True, trust__schools=school_ref
    )
    return Exists(at_school) | Exists(in_trust)
