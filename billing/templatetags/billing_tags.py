"""Money and VAT as invoices show them."""

from decimal import Decimal

from django import template
from django.core.cache import cache

from billing import services
from billing.access import has_finance_pages

register = template.Library()


@register.filter
def gbp(value):
    """£1,234.50; £0.00 for nothing (a balance is never 'Free'); −£5.00 for a credit."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"


@register.filter
def vat_label(line):
    """A line's VAT rate as printed: 20%, 0%, Exempt, or why a voucher line carries none."""
    if line.vat_treatment == "exempt":
        return "Exempt"
    if line.vat_treatment == "outside_scope":
        return "Outside the scope of VAT"
    if line.vat_treatment == "voucher_paid":
        return "None: paid on the voucher"
    percent = (Decimal(line.vat_rate) * 100).normalize()
    return f"{percent:f}%"


@register.filter
def period_label(period):
    """'2026-12' → 'December 2026'."""
    return services.period_label(period)


@register.simple_tag(takes_context=True)
def show_finance_link(context):
    """Whether the header offers 'Finance', for finance roles. Remembered for five minutes per
    person: it is only a link (the pages check access themselves), and every page shows it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_has_finance_pages"):
        key = f"finance-link:{user.pk}"
        shown = cache.get(key)
        if shown is None:
            shown = has_finance_pages(user)
            cache.set(key, shown, 300)
        request._has_finance_pages = shown
    return request._has_finance_pages
