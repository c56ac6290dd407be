"""Money arithmetic: pennies, VAT and sums. Everything that rounds or adds money uses these.

- amounts are Decimal pounds, never floats; VAT is worked out per line, rounded half-up to the
  penny, and a line's gross is its net plus its VAT;
- the VAT rate of each treatment, and the wording for prepaid credit sold as a voucher."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from ..models import PENNY, ZERO

VAT_RATES = {
    "standard": Decimal("0.200"),
    "zero": Decimal("0.000"),
    "exempt": Decimal("0.000"),
    # Prepaid credit as a voucher (VAT Act 1994 Sch 10B; docs/vat.md): a multi-purpose voucher
    # is outside the scope of VAT when sold; a place paid from a single-purpose voucher bears
    # no VAT, which was accounted for when the voucher was sold.
    "outside_scope": Decimal("0.000"),
    "voucher_paid": Decimal("0.000"),
}


MPV_SALE = "Outside the scope of VAT: multi-purpose voucher"


SPV_SALE = "Single-purpose voucher: VAT charged now, none on the places it pays for"


SPV_PLACE = "VAT accounted for when the voucher was sold"


def _decimal(value):
    # A float has already lost the penny it was meant to hold: refuse it outright.
    if isinstance(value, float):
        raise TypeError("Money is never a float; use Decimal or a string.")
    return Decimal(value)


def money(value):
    return _decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_on(net, rate):
    return money(_decimal(net) * _decimal(rate))


def percent_of(amount, percent):
    return money(_decimal(amount) * _decimal(percent) / 100)


def total(queryset, field):
    return queryset.aggregate(t=Sum(field))["t"] or ZERO


def _sums_by(queryset, key, field):
    return dict(queryset.values(key).annotate(t=Sum(field)).values_list(key, "t"))


def _sums_by_enrolment(queryset, field):
    return dict(queryset.values("enrolment").annotate(t=Sum(field)).values_list("enrolment", "t"))


class WithVat:
    """A net sum and its VAT rate: VAT per line, half-up to the penny; gross is net plus VAT."""

    @property
    def vat(self):
        return vat_on(self.net, self.vat_rate)

    @property
    def gross(self):
        return self.net + self.vat


@dataclass(frozen=True)
class Charge(WithVat):
    """A sum as a page states it before someone commits: net, VAT at the place's rate, total."""

    net: Decimal
    vat_rate: Decimal
