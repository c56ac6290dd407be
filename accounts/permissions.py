"""Who may act for which school. Every view that shows a school's or a person's data asks here.

Refusals are 404s, never 403s, so that ids and tokens reveal nothing about what exists."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404

from .models import Membership, School, User

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
    """Staff powers, or any role at a school or a trust."""
    return (
        holds_staff_powers(user)
        or Membership.objects.filter(user=user).exists()
        or user.trust_memberships.exists()
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


def schools_for(user, *roles):
    """The schools `user` may act for holding any of `roles` (any role when none are given)."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    if is_service_staff(user):
        return School.objects.all()
    held = Q()
    for role in roles or ROLE_FIELDS:
        held |= Q(**{f"memberships__{ROLE_FIELDS[role]}": True, "memberships__user": user})
    if not roles or FINANCE in roles:
        # A trust's finance contacts act for every school in the trust.
        held |= Q(trust__memberships__user=user, trust__memberships__is_finance=True)
    return School.objects.filter(held).distinct()


def member_schools(user):
    """The schools `user` is on the staff of, by name, each marked `manages` when
    has_role(user, school, *MANAGERS) holds. One query: the booking pages ask on every Book."""
    managing = Q()
    for role in MANAGERS:
        managing |= Q(**{f"memberships__{ROLE_FIELDS[role]}": True})
    schools = list(
        School.objects.filter(memberships__user=user)  # the join `managing` reads
        .annotate(manages=ExpressionWrapper(managing, output_field=BooleanField()))
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
