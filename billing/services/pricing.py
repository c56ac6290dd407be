"""Pricing: the one place a price is decided. quote() gives a school's price for a place on a
run (its band's price, less any package discount); price_for() is its net. A place's price
and VAT rate are snapshotted on the enrolment when it is booked."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import School

from ..models import (
    ZERO,
    Account,
    AccountPackage,
    CourseBandPrice,
    Package,
    PriceBand,
    RunBandPrice,
)
from .money import VAT_RATES, WithVat, money, percent_of


def _band_code(type_group, in_partner_area):
    """The band a school falls in when finance has not set one on its account."""
    if type_group in ("independent", "college", "university", "other"):
        return PriceBand.Code.INDEPENDENT
    if not in_partner_area:
        return PriceBand.Code.OUT_OF_AREA
    if type_group in ("academy", "free_school"):
        return PriceBand.Code.PARTNER_ACADEMY
    return PriceBand.Code.PARTNER_MAINTAINED


def _band_by_code(code):
    # The bands come with a data migration; recreate one if it was ever removed.
    band, _ = PriceBand.objects.get_or_create(
        code=code,
        defaults={
            "name": PriceBand.Code(code).label,
            "percent_of_list_price": PriceBand.DEFAULT_PERCENT[code],
        },
    )
    return band


def band_for(school):
    """The school's price band: set by finance on its account (or its centrally billing
    trust's), else from its area and type."""
    return quote_band(school, _pricing_facts(school, timezone.localdate()))


def quote_band(school, facts, run=None):
    """The band `facts` (from _pricing_facts) give the school; with `run`, annotated with the
    run's and the course's fixed price for it. One query, two if the band must be put back."""
    if facts["set_band"] is not None:
        return _band_with_prices(PriceBand.objects.filter(pk=facts["set_band"]), run)
    code = _band_code(school.type_group, bool(facts["local_authority__is_partner"]))
    band = _band_with_prices(PriceBand.objects.filter(code=code), run)
    if band is None:  # removed since the data migration: put it back
        band = _band_with_prices(PriceBand.objects.filter(pk=_band_by_code(code).pk), run)
    return band


@dataclass(frozen=True)
class Quote(WithVat):
    list_price: Decimal
    band: PriceBand
    band_price: Decimal
    discount_percent: Decimal
    net: Decimal
    vat_treatment: str
    vat_rate: Decimal

    @property
    def is_free(self):
        return self.net == ZERO


def vat_rate_for(course):
    return VAT_RATES[course.vat_treatment]


def _pricing_facts(school, on):
    """In one query: the band finance set on the school's account, else on its trust's when
    the trust is billed centrally (if any); whether its LA is a partner; and the best discount
    any package held by the school, or by its centrally billing trust, gives on `on`."""
    holders = Q(account__school=OuterRef("pk")) | Q(
        account__trust=OuterRef("trust_id"), account__trust__billed_centrally=True
    )
    discounts = (
        AccountPackage.objects.filter(
            holders, starts_on__lte=on, ends_on__gt=on, package__kind=Package.Kind.DISCOUNT
        )
        .order_by("-package__discount_percent")
        .values("package__discount_percent")[:1]
    )
    own_band = Account.objects.filter(school=OuterRef("pk")).values("price_band_id")[:1]
    trust_band = Account.objects.filter(
        trust=OuterRef("trust_id"), trust__billed_centrally=True
    ).values("price_band_id")[:1]
    return (
        School.objects.filter(pk=school.pk)
        .values("local_authority__is_partner")
        .annotate(
            set_band=Coalesce(Subquery(own_band), Subquery(trust_band)),
            discount=Subquery(discounts),
        )
        .get()
    )


def _band_with_prices(bands, run):
    """The band, annotated with the run's and the course's fixed price for it (one query)."""
    if run is None:
        return bands.first()

    def first_price(model, **where):
        prices = model.objects.filter(band=OuterRef("pk"), **where).order_by("pk")
        return Subquery(prices.values("price")[:1])

    return bands.annotate(
        run_price=first_price(RunBandPrice, run_id=run.pk),
        course_price=first_price(CourseBandPrice, course_id=run.course_id),
    ).first()


def quote(school, run, on=None):
    """The price for one place on `run` for `school`: the run's price for the school's band
    (or the course's, or the band's percentage of the list price), less a package discount.
    Two queries: it is on every booking's path."""
    facts = _pricing_facts(school, on or timezone.localdate())
    band = quote_band(school, facts, run)
    fixed = band.run_price if band.run_price is not None else band.course_price
    return _quote(run, band, fixed, facts)


def quotes_for(school, runs, on=None):
    """quote() for each of `runs` (a course page's dates), by run id: four queries however
    many runs there are, where a quote each would ask two per run."""
    runs = list(runs)
    if not runs:
        return {}
    facts = _pricing_facts(school, on or timezone.localdate())
    band = quote_band(school, facts)

    def fixed_prices(model, key, ids):
        # At most one per band (one_run_price_per_band, one_course_price_per_band).
        rows = model.objects.filter(band=band, **{f"{key}__in": ids})
        return dict(rows.values_list(key, "price"))

    run_prices = fixed_prices(RunBandPrice, "run_id", [run.pk for run in runs])
    course_prices = fixed_prices(CourseBandPrice, "course_id", {run.course_id for run in runs})
    return {
        run.pk: _quote(run, band, run_prices.get(run.pk, course_prices.get(run.course_id)), facts)
        for run in runs
    }


def _quote(run, band, fixed, facts):
    """One place's price from the band, the fixed price for it (the run's, else the
    course's, else None) and the school's facts: the rule quote() and quotes_for() share."""
    list_price = money(run.price)
    band_price = (
        money(fixed) if fixed is not None else percent_of(list_price, band.percent_of_list_price)
    )
    discount = facts["discount"] or ZERO
    # One rounding, of the discounted price: £10.05 less 10 % is £9.045, so £9.05.
    net = percent_of(band_price, 100 - discount) if discount else band_price
    return Quote(
        list_price=list_price,
        band=band,
        band_price=band_price,
        discount_percent=discount,
        net=net,
        vat_treatment=run.course.vat_treatment,
        vat_rate=vat_rate_for(run.course),
    )


def price_for(school, run):
    """What `school` pays, before VAT, for one place on `run`. The only place a price is decided."""
    return quote(school, run).net
