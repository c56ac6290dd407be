"""What a course page shows a signed-in teacher: their school's own price for each run
(billing.services.quotes_for). The catalogue's page asks for it through courses.registry, which
BookingsConfig.ready() fills, so courses knows no money."""

from accounts.models import Membership
from billing.services import quotes_for


def _membership(user):
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, school__status__in=["open", "open_closing"])
        .select_related("school__local_authority", "school__trust")
        .order_by("joined_at")
        .first()
    )


def pricing_school(user):
    """The school whose prices a signed-in teacher sees: their own (the first, if several)."""
    membership = _membership(user)
    return membership.school if membership else None


def add_school_prices(page, request, context):
    membership = _membership(request.user)
    context["pricing_school"] = school = membership.school if membership else None
    # A CPD lead or head may put colleagues on a full date's waiting list (the same query).
    context["books_for_colleagues"] = bool(
        membership and (membership.is_cpd_lead or membership.is_headteacher)
    )
    if school is not None:
        quotes = quotes_for(school, context["runs"])
        for run in context["runs"]:
            run.school_quote = quotes[run.pk]
