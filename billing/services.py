"""Billing use cases. Pricing lives here alone: everything that needs a price asks price_for().

Money rules, in one place:
- amounts are Decimal pounds; VAT is worked out per line, rounded half-up to the penny, and a
  line's gross is its net plus its VAT;
- a place's price and VAT rate are snapshotted on the enrolment when it is booked;
- what a place should cost now (bookings.charges.charge_due) less what has been invoiced for
  it, net of credit notes, is what settlement (the app above bookings) invoices or credits
  through the helpers here. Settling twice changes nothing. Billing reads no booking.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    PENNY,
    ZERO,
    Account,
    AccountPackage,
    BillingSettings,
    CourseBandPrice,
    CreditEntry,
    CreditExtension,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    NumberSeries,
    Package,
    Payment,
    PriceBand,
    Remittance,
    RunBandPrice,
)

log = logging.getLogger(__name__)

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


class BillingError(Exception):
    """A refusal with a message fit to show the person who asked."""


class IncompleteBillingAddress(BillingError):
    """An invoice or credit note cannot be issued: the account has nowhere to send it."""

    def __init__(self, account, missing):
        self.account = account
        self.missing = missing
        super().__init__(
            f"{account.name} has no complete billing address: missing {_and(missing)}. "
            "Set it on the account (Billing → Accounts), then issue again."
        )


def _and(words):
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def address_for_documents(account):
    """The account, checked to have an address a document can go to (its own, or a school's
    GIAS address); raises IncompleteBillingAddress listing what is missing."""
    account = Account.objects.select_related("school", "trust", "consortium").get(pk=account.pk)
    missing = account.billing_address.missing()
    if missing:
        raise IncompleteBillingAddress(account, missing)
    return account


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


# --- accounts and bands --------------------------------------------------------------------------


def school_account(school):
    account, _ = Account.objects.get_or_create(
        school=school, defaults={"kind": Account.Kind.SCHOOL}
    )
    return account


def billed_account(school):
    """Who is invoiced for a school's places: the school, or its trust if billed centrally."""
    trust = school.trust
    if trust is not None and trust.billed_centrally:
        account, _ = Account.objects.get_or_create(
            trust=trust, defaults={"kind": Account.Kind.TRUST}
        )
        return account
    return school_account(school)


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


# --- pricing ----------------------------------------------------------------------------------


class WithVat:
    """A net sum and its VAT rate: VAT per line, half-up to the penny; gross is net plus VAT."""

    @property
    def vat(self):
        return vat_on(self.net, self.vat_rate)

    @property
    def gross(self):
        return self.net + self.vat


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
    from accounts.models import School

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
    on = on or timezone.localdate()
    course = run.course
    facts = _pricing_facts(school, on)
    band = quote_band(school, facts, run)
    list_price = money(run.price)
    fixed = band.run_price if band.run_price is not None else band.course_price
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
        vat_treatment=course.vat_treatment,
        vat_rate=vat_rate_for(course),
    )


def price_for(school, run):
    """What `school` pays, before VAT, for one place on `run`. The only place a price is decided."""
    return quote(school, run).net


# --- credit ------------------------------------------------------------------------------------


def credit_balance(account, *, single_purpose=None):
    """All the account's credit; or, with `single_purpose`, only single-purpose voucher credit
    (True) or everything else (False)."""
    entries = CreditEntry.objects.filter(account=account)
    if single_purpose is not None:
        entries = entries.filter(single_purpose=single_purpose)
    return total(entries, "amount")


def spendable_lots(account, *, single_purpose=False, on=None):
    """The account's lots that can still be spent on `on`, with what is left in each, soonest
    to expire first (lots that never expire last, oldest first). Two queries."""
    on = on or timezone.localdate()
    left = dict(
        CreditEntry.objects.filter(account=account, single_purpose=single_purpose)
        .values("lot")
        .annotate(left=Sum("amount"))
        .filter(left__gt=0)
        .values_list("lot", "left")
    )
    if not left:
        return []
    lots = CreditEntry.objects.filter(pk__in=left).filter(
        Q(use_by__isnull=True) | Q(use_by__gte=on)
    )
    return [
        (lot, left[lot.pk])
        for lot in lots.order_by(F("use_by").asc(nulls_last=True), "created_at", "pk")
    ]


def spendable(account, *, single_purpose=False, on=None):
    """What the account's credit can pay today: its lots that have not passed their date
    (`single_purpose=None`: voucher and other credit together)."""
    if single_purpose is None:
        return spendable(account, single_purpose=True, on=on) + spendable(account, on=on)
    lots = spendable_lots(account, single_purpose=single_purpose, on=on)
    return sum((left for _, left in lots), ZERO)


def open_lot(account, kind, amount, *, use_by=None, **fields):
    """A top-up: a new lot of credit, which names itself as its lot."""
    entry = CreditEntry.objects.create(
        account=account, kind=kind, amount=amount, use_by=use_by, **fields
    )
    CreditEntry.objects.filter(pk=entry.pk).update(lot=entry)
    entry.lot_id = entry.pk
    return entry


def take_credit(account, amount, kind, *, single_purpose=False, first=(), on=None, **fields):
    """Take up to `amount` of spendable credit: from the lots in `first` (if any, in that
    order), then soonest to expire first. One entry per lot used. Caller holds the account
    lock. Returns what was taken."""
    lots = spendable_lots(account, single_purpose=single_purpose, on=on)
    ahead = {pk: n for n, pk in enumerate(first)}
    lots.sort(key=lambda row: ahead.get(row[0].pk, len(ahead)))  # stable: keeps the date order
    taken = ZERO
    for lot, left in lots:
        take = min(left, amount - taken)
        if take <= 0:
            break
        CreditEntry.objects.create(
            account=account,
            kind=kind,
            amount=-take,
            lot=lot,
            single_purpose=single_purpose,
            **fields,
        )
        taken += take
    return taken


def expire_credit(on=None):
    """Each lot past its use-by date loses what is left in it. Credit a place reserved while
    the lot was good stays with that place; if the place is later not charged, its credit
    goes back to the lot and the next run takes it. Safe to run again and again: it only ever
    takes what is left. Returns the number of lots and the total expired."""
    on = on or timezone.localdate()
    due = (
        CreditEntry.objects.filter(lot__use_by__lt=on)
        .values("lot", "lot__account")
        .annotate(left=Sum("amount"))
        .filter(left__gt=0)
        .order_by("lot__account", "lot")
    )
    lots, expired = 0, ZERO
    for row in due:
        with transaction.atomic():
            _lock([row["lot__account"]])  # an extension or a draw may have come first
            lot = CreditEntry.objects.get(pk=row["lot"])
            left = total(CreditEntry.objects.filter(lot=lot), "amount")
            if lot.use_by is None or lot.use_by >= on or left <= 0:
                continue
            CreditEntry.objects.create(
                account_id=lot.account_id,
                kind=CreditEntry.Kind.EXPIRED,
                amount=-left,
                lot=lot,
                single_purpose=lot.single_purpose,
                note=f"{lot.note}: use by {long_date(lot.use_by)} passed",
            )
            lots, expired = lots + 1, expired + left
    return lots, expired


def extend_credit(lot, use_by, *, reason, by):
    """Finance moves a package lot's use-by date later, with a reason. Credit that had already
    expired from it comes back. Returns the amount reinstated."""
    reason = _reason(reason)
    today = timezone.localdate()
    with transaction.atomic():
        _lock([lot.account_id])
        lot = CreditEntry.objects.select_related("account").get(pk=lot.pk)
        if lot.use_by is None:
            raise BillingError("Only package credit has a use-by date to extend.")
        if use_by <= lot.use_by:
            raise BillingError(
                f"Choose a date after {long_date(lot.use_by)}, the credit's use-by date now."
            )
        if use_by < today:
            raise BillingError(
                f"Choose a date from today ({long_date(today)}): a date already past would "
                "leave the credit expired."
            )
        if use_by > today + relativedelta(years=5):
            raise BillingError("Choose a date within five years of today.")
        gone = -total(lot.movements.filter(kind__in=["expired", "reinstated"]), "amount")
        if gone > 0:
            CreditEntry.objects.create(
                account=lot.account,
                kind=CreditEntry.Kind.REINSTATED,
                amount=gone,
                lot=lot,
                single_purpose=lot.single_purpose,
                note=reason,
                created_by=by,
            )
        CreditExtension.objects.create(
            lot=lot, was=lot.use_by, now=use_by, reinstated=max(gone, ZERO), reason=reason,
            created_by=by,
        )  # fmt: skip
        lot.use_by = use_by
        lot.save(update_fields=["use_by"])
    return max(gone, ZERO)


@dataclass
class CreditLot:
    """One lot of an account's credit as the school and finance see it. `used` is what went
    on invoices and refunds, net of what came back."""

    lot: CreditEntry
    reserved: Decimal
    expired: Decimal
    left: Decimal

    @property
    def used(self):
        return self.lot.amount - self.reserved - self.expired - self.left

    @property
    def use_by(self):
        return self.lot.use_by

    @property
    def is_past(self):
        return self.lot.use_by is not None and self.lot.use_by < timezone.localdate()

    @property
    def source(self):
        return self.lot.note or self.lot.get_kind_display()


@dataclass
class Reservation:
    """Credit a booked place holds until the place is invoiced."""

    enrolment: object
    amount: Decimal
    use_by: date | None


def credit_lots(account):
    """The account's lots, newest first, with what each has reserved, expired and left."""
    lots = list(
        CreditEntry.objects.filter(account=account, lot_id=F("pk")).order_by("-created_at", "-pk")
    )
    entries = CreditEntry.objects.filter(lot__in=lots)
    reserved = _sums_by(
        entries.filter(kind__in=["draw", "release"], invoice__isnull=True), "lot", "amount"
    )
    expired = _sums_by(entries.filter(kind__in=["expired", "reinstated"]), "lot", "amount")
    left = _sums_by(entries, "lot", "amount")
    return [
        CreditLot(
            lot=lot,
            reserved=-reserved.get(lot.pk, ZERO),
            expired=-expired.get(lot.pk, ZERO),
            left=left.get(lot.pk, ZERO),
        )
        for lot in lots
    ]


def reservations(account):
    """Places holding the account's credit until they are invoiced, soonest course first."""
    held = (
        CreditEntry.objects.filter(
            account=account, kind__in=["draw", "release"], invoice__isnull=True
        )
        .values("enrolment")
        .annotate(t=Sum("amount"), use_by=Min("lot__use_by"))
        .filter(t__lt=0)
    )
    rows = {r["enrolment"]: r for r in held}
    # The place model by the ledger's own foreign key: billing reads no booking module.
    places = (
        CreditEntry.enrolment.field.related_model.objects.filter(pk__in=rows)
        .select_related("run__course", "delegate")
        .annotate(starts=Min("run__sessions__starts_at"))
        .order_by("starts", "pk")
    )
    return [Reservation(e, -rows[e.pk]["t"], rows[e.pk]["use_by"]) for e in places]


def _lock(account_ids):
    """Lock accounts in id order, so two settlements never wait on each other in a circle."""
    return list(Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk"))


def _budgets_for(school):
    """Credit a school's places may draw on, in the order they are drawn: its own, then its
    trust's if the trust is billed centrally, then its consortia's shared budgets."""
    accounts = [school_account(school)]
    if school.trust_id and school.trust.billed_centrally:
        accounts.append(billed_account(school))
    for consortium in school.consortia.order_by("name", "pk"):
        account, _ = Account.objects.get_or_create(
            consortium=consortium, defaults={"kind": Account.Kind.CONSORTIUM}
        )
        accounts.append(account)
    return accounts


def has_credit_to_draw(school):
    """Whether any budget the school's places may draw on has ever held credit (one query, so
    a booking for a school without prepaid credit costs no more)."""
    return CreditEntry.objects.filter(
        Q(account__school=school)
        | Q(account__trust__schools=school, account__trust__billed_centrally=True)
        | Q(account__consortium__schools=school)
    ).exists()


def _plan_draw(price, vat_rate, voucher_left, other_left):
    """How one place at `price` (before VAT) is paid from credit, given what each budget has
    left (lists in the school's order: its own, its trust's, its consortia's): a list of
    (budget index, single_purpose, amount). The rule, used both to draw and to tell the booker
    beforehand:

    A standard-rated place is paid whole from a single-purpose voucher if one covers its price
    before VAT (the VAT was charged when the voucher was sold). Otherwise other credit pays the
    place's price with VAT, as far as it goes."""
    if vat_rate == VAT_RATES["standard"]:
        for i, left in enumerate(voucher_left):
            if left >= price:
                return [(i, True, price)]
    gross, plan = price + vat_on(price, vat_rate), []
    for i, left in enumerate(other_left):
        take = min(left, gross - sum(amount for _, _, amount in plan))
        if take > 0:
            plan.append((i, False, take))
    return plan


def draw_credit_for_place(enrolment, *, new=False):
    """At booking, the place is paid from prepaid credit first (`_plan_draw`). Runs inside the
    booking's transaction; a place draws once (`new`: just made, so nothing drawn yet)."""
    if enrolment.price + vat_on(enrolment.price, enrolment.vat_rate) <= 0:
        return ZERO
    if not new and (
        CreditEntry.objects.filter(enrolment=enrolment, kind="draw").exists()
        # A place already invoiced (a colleague sent instead, say) is paid or owed on that
        # invoice: credit drawn now could never pay it, and would sit reserved for good.
        or invoiced_net(enrolment)
    ):
        return ZERO
    school = enrolment.booking.school
    if not has_credit_to_draw(school):
        return ZERO
    budgets = _budgets_for(school)
    _lock([a.pk for a in budgets])  # in id order, so two bookings never wait in a circle
    plan = _plan_draw(enrolment.price, enrolment.vat_rate, *_left_in(budgets, enrolment.vat_rate))
    what = {"enrolment": enrolment, "note": f"{enrolment.run.reference}: {enrolment.delegate}"}
    drawn = ZERO
    for i, single, amount in plan:
        drawn += take_credit(budgets[i], amount, "draw", single_purpose=single, **what)
    return drawn


def _left_in(budgets, vat_rate):
    """What each budget can spend now: voucher credit (only asked for standard-rated places),
    and other credit."""
    vouchers = (
        [spendable(a, single_purpose=True) for a in budgets]
        if vat_rate == VAT_RATES["standard"]
        else []
    )
    return vouchers, [spendable(a) for a in budgets]


@dataclass(frozen=True)
class CreditCover:
    """How prepaid credit would pay for new places, as things stand: what they would be
    invoiced at (no VAT on places a single-purpose voucher pays), and what credit would pay."""

    places: int
    by_voucher: int
    net: Decimal
    vat: Decimal
    credit: Decimal

    @property
    def gross(self):
        return self.net + self.vat

    @property
    def to_pay(self):
        return self.gross - self.credit


def credit_cover(school, price, vat_rate, places):
    """What `draw_credit_for_place` would do for `places` places booked now, or None if the school
    has no prepaid credit to draw on. Reads only; shown on the pages where people commit."""
    if not places or not has_credit_to_draw(school):
        return None
    budgets = _budgets_for(school)
    vouchers, others = _left_in(budgets, vat_rate)
    by_voucher, vat, credit = 0, ZERO, ZERO
    for _ in range(places):
        plan = _plan_draw(price, vat_rate, vouchers, others)
        if plan and plan[0][1]:
            by_voucher += 1
        else:
            vat += vat_on(price, vat_rate)
        for i, single, amount in plan:
            (vouchers if single else others)[i] -= amount
            credit += amount
    return CreditCover(places, by_voucher, price * places, vat, credit)


def paid_by_voucher(place):
    """Whether a single-purpose voucher paid for the booked place, so it bears no VAT."""
    return (
        bool(place.pk)
        and CreditEntry.objects.filter(enrolment=place, kind="draw", single_purpose=True).exists()
    )


def _unapplied_draws(enrolment):
    return CreditEntry.objects.filter(
        enrolment=enrolment, invoice__isnull=True, kind__in=["draw", "release"]
    )


def buy_package(account, package, *, starts_on, by):
    """Sell a package: record it, invoice it, and put any prepaid credit on the account."""
    with transaction.atomic():
        (account,) = _lock([account.pk])
        held = AccountPackage.objects.create(
            account=account,
            package=package,
            starts_on=starts_on,
            ends_on=starts_on + relativedelta(years=1),  # 29 Feb → 28 Feb
        )
        if package.price > 0:
            invoice = Invoice.objects.create(account=account)
            what = f"{package.name} package, {starts_on:%d %b %Y} to {held.ends_on:%d %b %Y}"
            if package.kind == Package.Kind.DISCOUNT:  # not a voucher: a supply, taxed now
                treatment, code = "standard", package.nominal_code
            elif package.is_single_purpose:  # Sch 10B para 4: taxed when sold
                treatment, what = "standard", f"{what}. {SPV_SALE}"
            else:  # Sch 10B para 7: the consideration for issuing it is disregarded
                treatment, what = "outside_scope", f"{what}. {MPV_SALE}"
            if package.kind == Package.Kind.CREDITS:
                # Deferred income (a liability) until the credit pays for a place.
                code = BillingSettings.load().deferred_income_nominal_code
            _add_line(
                invoice,
                description=what,
                net=package.price,
                vat_treatment=treatment,
                package=held,
                nominal_code=code,
            )
            issue_invoice(invoice)
        if package.kind == Package.Kind.CREDITS:
            open_lot(
                account,
                CreditEntry.Kind.PACKAGE,
                package.credit_amount,
                use_by=held.ends_on - timedelta(days=1),  # the period's last day
                account_package=held,
                single_purpose=package.is_single_purpose,
                note=f"{package.name} package",
                created_by=by,
            )
    return held


# --- what a place should cost ------------------------------------------------------------------


@dataclass(frozen=True)
class Charge(WithVat):
    """A sum as a page states it before someone commits: net, VAT at the place's rate, total."""

    net: Decimal
    vat_rate: Decimal


def _live_lines(enrolment):
    # A void invoice still counts: its full credit note (void_invoice) is what cancels it.
    return InvoiceLine.objects.filter(enrolment=enrolment).exclude(
        invoice__status=Invoice.Status.DRAFT
    )


def invoiced_net(enrolment):
    """Invoiced for the place so far, less what credit notes have taken back."""
    return total(_live_lines(enrolment), "net") - total(
        CreditNoteLine.objects.filter(enrolment=enrolment), "net"
    )


# --- numbering and issuing ----------------------------------------------------------------------


def next_number(prefix):
    """Take the next number of a gapless series. Call inside the transaction that uses it."""
    series, _ = NumberSeries.objects.get_or_create(prefix=prefix)
    series = NumberSeries.objects.select_for_update().get(pk=series.pk)
    number = series.next_number
    series.next_number = number + 1
    series.save(update_fields=["next_number"])
    return f"{prefix}-{number:06d}"


def _line(invoice, *, description, net, vat_treatment, vat_rate=None, **links):
    """An unsaved invoice line, its VAT worked out per line."""
    rate = VAT_RATES[vat_treatment] if vat_rate is None else vat_rate
    vat = vat_on(net, rate)
    return InvoiceLine(
        invoice=invoice,
        description=description[:300],
        vat_treatment=vat_treatment,
        vat_rate=rate,
        net=net,
        vat=vat,
        gross=net + vat,
        **links,
    )


def _add_line(invoice, **fields):
    line = _line(invoice, **fields)
    line.save()
    return line


def issue_invoice(invoice, *, on=None):
    """Number, date and total a draft invoice; from here on it never changes."""
    from . import tasks

    on = on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise BillingError(f"{invoice} is already issued.")
    if not invoice.lines.exists():
        raise BillingError("An invoice needs at least one line.")
    # Checked before a number is taken: a refusal leaves the series and the draft as they were.
    invoice.address_to(address_for_documents(invoice.account))
    config = BillingSettings.load()
    invoice.number = next_number(f"{config.invoice_prefix}-{on.year}")
    invoice.issued_on = on
    invoice.due_on = on + timedelta(days=config.payment_terms_days)
    invoice.net = total(invoice.lines, "net")
    invoice.vat = total(invoice.lines, "vat")
    invoice.gross = invoice.net + invoice.vat
    invoice.status = Invoice.Status.ISSUED
    invoice.save()
    _apply_credit(invoice)
    tasks.send_invoice.delay_on_commit(invoice.pk)
    return invoice


def outstanding(invoice):
    """What is still owed on an issued invoice."""
    credited = total(invoice.credit_notes, "gross") - total(invoice.credit_notes, "returned")
    return invoice.gross - credited - total(invoice.payments, "applied")


def _refresh_status(invoice):
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        return invoice
    owed = outstanding(invoice)
    paid = total(invoice.payments, "applied")
    if invoice.status == Invoice.Status.PAID:
        status = Invoice.Status.PAID  # a paid invoice never goes back to unpaid
    elif owed <= 0:
        status = Invoice.Status.PAID
    elif paid > 0:
        status = Invoice.Status.PART_PAID
    else:
        status = Invoice.Status.ISSUED
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status"])
    return invoice


def _release_draws(enrolment, amount):
    """Give back up to `amount` of what the place drew at booking and has not yet used."""
    for row in (
        _unapplied_draws(enrolment)
        .values("account", "single_purpose", "lot")
        .annotate(held=Sum("amount"))
        .order_by("-account", "single_purpose", "-lot")
    ):
        give = min(-row["held"], amount)
        if give > 0:
            # Back to the lot it came from: if that lot has passed its date, the next expiry
            # run takes it, just as if the place had never been booked.
            CreditEntry.objects.create(
                account_id=row["account"],
                kind=CreditEntry.Kind.RELEASE,
                amount=give,
                enrolment=enrolment,
                lot_id=row["lot"],
                single_purpose=row["single_purpose"],
                note=f"{enrolment.run.reference}: not charged",
            )
            amount -= give


def _apply_credit(invoice):
    """Settle what can be settled from credit: first each place's own draw at booking (any
    part of a draw beyond the place's charge goes back), then other credit the account holds."""
    today = timezone.localdate()
    drawn = ZERO
    holding = {
        pk: -amount
        for pk, amount in _sums_by_enrolment(
            CreditEntry.objects.filter(
                enrolment__invoice_lines__invoice=invoice,
                invoice__isnull=True,
                kind__in=["draw", "release"],
            ),
            "amount",
        ).items()
        if amount < 0
    }
    for line in invoice.lines.filter(enrolment__in=list(holding)).select_related("enrolment__run"):
        held = holding[line.enrolment_id]
        if held > line.gross:
            _release_draws(line.enrolment, held - line.gross)
            held = line.gross
        if held > 0:
            _unapplied_draws(line.enrolment).update(invoice=invoice)
            drawn += held
    if drawn > 0:
        Payment.objects.create(
            account=invoice.account,
            invoice=invoice,
            method=Payment.Method.CREDIT,
            amount=drawn,
            applied=drawn,
            received_on=today,
            reference="Prepaid credit drawn at booking",
        )
    (account,) = _lock([invoice.account_id])
    # Single-purpose voucher credit pays standard-rated places only, drawn at booking.
    spare = min(spendable(account, on=today), outstanding(invoice))
    if spare > 0:
        payment = Payment.objects.create(
            account=account,
            invoice=invoice,
            method=Payment.Method.CREDIT,
            amount=spare,
            applied=spare,
            received_on=today,
            reference="Account credit",
        )
        take_credit(
            account,
            spare,
            CreditEntry.Kind.APPLIED,
            on=today,
            invoice=invoice,
            payment=payment,
            note=f"Applied to {invoice.number}",
        )
    _refresh_status(invoice)


def issue_credit_note(invoice, lines, *, reason, on=None, by=None):
    """Credit (invoice_line, net) pairs of an issued invoice. If the invoice was already paid
    beyond what it now asks for, the excess is held as account credit."""
    from . import tasks

    on = on or timezone.localdate()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        raise BillingError("Only an issued invoice can be credited.")
    lines = [(line, money(net)) for line, net in lines if net > 0]
    if not lines:
        raise BillingError("Nothing to credit.")
    for line, net in lines:
        if line.invoice_id != invoice.pk:
            raise BillingError("A credit note credits lines of one invoice.")
        already = total(line.credit_lines, "net")
        if net > line.net - already:
            raise BillingError(
                f"'{line.description}' has only £{line.net - already} left to credit."
            )
    account = address_for_documents(invoice.account)  # before a number is taken
    net_total = sum((net for _, net in lines), ZERO)
    vat_total = sum((vat_on(net, line.vat_rate) for line, net in lines), ZERO)
    gross = net_total + vat_total
    # Whatever this note credits beyond what is still owed was already paid: it goes back.
    returned = max(gross - max(outstanding(invoice), ZERO), ZERO)
    config = BillingSettings.load()
    note = CreditNote(
        number=next_number(f"{config.credit_note_prefix}-{on.year}"),
        account=invoice.account,
        invoice=invoice,
        issued_on=on,
        reason=reason[:200],
        net=net_total,
        vat=vat_total,
        gross=gross,
        returned=returned,
        settlement=(
            CreditNote.Settlement.ACCOUNT_CREDIT
            if returned
            else CreditNote.Settlement.REDUCES_BALANCE
        ),
        created_by=by,
    )
    note.address_to(account)
    note.save()
    for line, net in lines:
        vat = vat_on(net, line.vat_rate)
        CreditNoteLine.objects.create(
            credit_note=note,
            invoice_line=line,
            enrolment=line.enrolment,
            description=line.description,
            net=net,
            vat=vat,
            gross=net + vat,
        )
    if note.returned > 0:
        _return_credit(
            note,
            # Taken back from places a single-purpose voucher paid: back to that voucher.
            single_purpose=all(line.vat_treatment == "voucher_paid" for line, _ in lines),
        )
    _refresh_status(invoice)
    tasks.send_credit_note.delay_on_commit(note.pk)
    return note


def _return_credit(note, *, single_purpose):
    """What a credit note gives back goes to the lots that paid its invoice (latest to expire
    first), up to what they paid and earlier notes have not returned; the rest, which the
    school paid in money, opens a lot of its own that never expires."""
    invoice, left = note.invoice, note.returned
    pool = CreditEntry.objects.filter(
        account=note.account, single_purpose=single_purpose, lot__isnull=False
    )
    paid = _sums_by(
        pool.filter(invoice=invoice, kind__in=["draw", "release", "applied"]), "lot", "amount"
    )
    back = _sums_by(pool.filter(credit_note__invoice=invoice, kind="return"), "lot", "amount")
    lots = CreditEntry.objects.filter(pk__in=[pk for pk, t in paid.items() if t < 0])
    what = {"credit_note": note, "single_purpose": single_purpose}
    what["note"] = f"{note.number} on paid invoice {invoice.number}"
    for lot in lots.order_by(F("use_by").desc(nulls_first=True), "-pk"):
        give = min(-paid[lot.pk] - back.get(lot.pk, ZERO), left)
        if give > 0:
            CreditEntry.objects.create(
                account=note.account, kind="return", amount=give, lot=lot, **what
            )
            left -= give
    if left > 0:
        open_lot(note.account, CreditEntry.Kind.RETURN, left, **what)


def _sums_by(queryset, key, field):
    return dict(queryset.values(key).annotate(t=Sum(field)).values_list(key, "t"))


# --- settlement: from what happened to places, to invoices and credit notes -----------------------


def _sums_by_enrolment(queryset, field):
    return dict(queryset.values("enrolment").annotate(t=Sum(field)).values_list("enrolment", "t"))


def period_bounds(period):
    """'2026-11' → (1 Nov 2026, 1 Dec 2026); anything else is refused."""
    try:
        year, month = (int(part) for part in period.split("-"))
        start = date(year, month, 1)
    except (ValueError, AttributeError):
        raise BillingError(f"'{period}' is not a month: use YYYY-MM, e.g. 2026-11.") from None
    if len(period) != 7:
        raise BillingError(f"'{period}' is not a month: use YYYY-MM, e.g. 2026-11.")
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return start, end


def period_label(period):
    """'2026-12' → 'December 2026', as a period is shown to people; '' stays ''."""
    if not period:
        return ""
    start, _ = period_bounds(period)
    return f"{start:%B %Y}"


@dataclass
class InvoicingReport:
    period: str
    accounts: int = 0
    invoices: int = 0
    credit_notes: int = 0
    gross: Decimal = ZERO
    # (account name, why): accounts with something to issue but no complete billing address.
    skipped: list = field(default_factory=list)

    def __str__(self):
        said = (
            f"{period_label(self.period)}: {self.accounts} account(s) checked, "
            f"{self.invoices} invoice(s) issued for £{self.gross}, "
            f"{self.credit_notes} credit note(s)."
        )
        if self.skipped:
            said += (
                f" {len(self.skipped)} account(s) skipped, nothing issued to them: "
                + "; ".join(f"{name}: {why}" for name, why in self.skipped)
            )
        return said


# --- payments ------------------------------------------------------------------------------------

# A date keyed from a remittance or a cheque must be one finance could have banked: not in the
# future, not more than a year ago, and not long before the invoice it pays was issued (a school
# may pay from the booking confirmation a few days before the invoice reaches it).
KEYED_PAYMENT_MAX_AGE = timedelta(days=365)
PAID_BEFORE_ISSUE = timedelta(days=14)


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def check_received_on(received_on, invoices=(), *, today=None):
    """Refuse a keyed-in received date outside the window, with the reason."""
    today = today or timezone.localdate()
    if received_on > today:
        raise BillingError(
            f"A payment cannot be received in the future: {long_date(received_on)} is after "
            f"today, {long_date(today)}."
        )
    if received_on < today - KEYED_PAYMENT_MAX_AGE:
        raise BillingError(
            f"{long_date(received_on)} is more than a year ago: check the date on the "
            "remittance or cheque."
        )
    for invoice in invoices:
        if received_on < invoice.issued_on - PAID_BEFORE_ISSUE:
            raise BillingError(
                f"{long_date(received_on)} is before {invoice.number} was issued "
                f"({long_date(invoice.issued_on)}): check the date on the remittance or cheque."
            )


def _pounds_and_pence(amount):
    amount = _decimal(amount)  # a float is refused, even one that looks like pence
    if amount != money(amount) or amount <= 0:
        raise BillingError("Enter an amount in pounds and pence, more than £0.00.")
    return amount


def _check_payable(invoice, amount):
    """A keyed-in payment pays what is owed on an open invoice, no more (a larger remittance is
    allocated, and its remainder held as credit, with record_remittance)."""
    if invoice.status == Invoice.Status.PAID:
        raise BillingError(f"{invoice.number} is paid in full: it takes no more payments.")
    owed = outstanding(invoice)
    if amount > owed:
        raise BillingError(
            f"£{amount:,.2f} is more than the £{owed:,.2f} still owed on {invoice.number}. "
            "If the remittance was for more, allocate it across the account's invoices "
            "(Allocate a remittance): what is left over is held as account credit."
        )


def record_payment(
    invoice,
    amount,
    *,
    method,
    received_on=None,
    reference="",
    by=None,
    stripe_checkout_session=None,
    stripe_payment_intent="",
):
    """Apply money received to an invoice. Part payments are fine; an overpayment is held as
    account credit. A Stripe Checkout Session pays once however often it is reported."""
    from . import tasks

    amount = _pounds_and_pence(amount)
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
            raise BillingError("Payments can only be recorded against an issued invoice.")
        if stripe_checkout_session:
            existing = Payment.objects.filter(
                stripe_checkout_session=stripe_checkout_session
            ).first()
            if existing:
                return existing
        if method in Payment.KEYED_METHODS:
            # Stripe's money has already arrived and an excess is held as credit; a keyed-in
            # payment is checked, since a slip of the keyboard is more likely than a gift.
            check_received_on(received_on, [invoice])
            _check_payable(invoice, amount)
        applied = min(amount, max(outstanding(invoice), ZERO))
        payment = Payment.objects.create(
            account=invoice.account,
            invoice=invoice,
            method=method,
            amount=amount,
            applied=applied,
            reference=reference[:120],
            received_on=received_on,
            recorded_by=by,
            stripe_checkout_session=stripe_checkout_session,
            stripe_payment_intent=stripe_payment_intent or "",
        )
        if amount > applied:
            open_lot(
                invoice.account,
                CreditEntry.Kind.OVERPAYMENT,
                amount - applied,
                payment=payment,
                invoice=invoice,
                note=f"Overpayment of {invoice.number}",
                created_by=by,
            )
        _refresh_status(invoice)
        tasks.send_receipt.delay_on_commit(payment.pk)
    return payment


def payable_invoices(account):
    """The account's invoices still to pay, oldest first, each with `owed`."""
    invoices = list(
        Invoice.objects.filter(
            account=account, status__in=[Invoice.Status.ISSUED, Invoice.Status.PART_PAID]
        ).order_by("issued_on", "number")
    )
    for invoice in invoices:
        invoice.owed = outstanding(invoice)
    return [i for i in invoices if i.owed > 0]


def oldest_first(amount, invoices):
    """How `amount` would pay `invoices` (each with `owed`), oldest first: {invoice pk: share}."""
    left = money(amount)
    shares = {}
    for invoice in invoices:
        share = max(min(left, invoice.owed), ZERO)
        shares[invoice.pk] = share
        left -= share
    return shares


def record_remittance(account, amount, allocations, *, method, received_on, reference="", by=None):
    """One receipt that pays several invoices of `account`: `allocations` are (invoice, share)
    pairs, each share a Payment linked to the Remittance; what is not allocated is held as
    account credit, as an overpayment is. Any bad figure refuses the lot and writes nothing."""
    from . import tasks

    amount = _pounds_and_pence(amount)
    if method not in Payment.KEYED_METHODS:
        raise BillingError("A remittance is money received by BACS or cheque.")
    reference = reference.strip()[:120]
    shares = []
    for invoice, share in allocations:
        share = _decimal(share or ZERO)
        if share < 0 or share != money(share):
            raise BillingError(
                f"Allocate pounds and pence, £0.00 or more, to {invoice.number or 'an invoice'}."
            )
        if share > 0:
            shares.append((invoice.pk, share))
    if len({pk for pk, _ in shares}) != len(shares):
        raise BillingError("Allocate to each invoice once.")
    allocated = sum((share for _, share in shares), ZERO)
    if allocated > amount:
        raise BillingError(f"£{allocated:,.2f} is allocated but only £{amount:,.2f} was received.")
    with transaction.atomic():
        (account,) = _lock([account.pk])  # account, then its invoices: as settlement locks
        invoices = Invoice.objects.select_for_update().in_bulk([pk for pk, _ in shares])
        for pk, share in shares:
            invoice = invoices.get(pk)
            if invoice is None or invoice.account_id != account.pk:
                raise BillingError(
                    f"{invoice.number if invoice else 'That invoice'} is not one of "
                    f"{account.name}'s invoices."
                )
            if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
                raise BillingError(f"{invoice} is {invoice.get_status_display().lower()}.")
            _check_payable(invoice, share)
        check_received_on(received_on, invoices.values())
        if (
            reference
            and Remittance.objects.filter(
                account=account, reference=reference, amount=amount
            ).exists()
        ):
            raise BillingError(
                f"£{amount:,.2f} with reference '{reference}' is already recorded for "
                f"{account.name}."
            )
        remittance = Remittance.objects.create(
            account=account,
            method=method,
            amount=amount,
            allocated=allocated,
            held_as_credit=amount - allocated,
            reference=reference,
            received_on=received_on,
            recorded_by=by,
        )
        for pk, share in shares:
            invoice = invoices[pk]
            payment = Payment.objects.create(
                account=account,
                invoice=invoice,
                remittance=remittance,
                method=method,
                amount=share,
                applied=share,
                reference=reference,
                received_on=received_on,
                recorded_by=by,
            )
            _refresh_status(invoice)
            tasks.send_receipt.delay_on_commit(payment.pk)
        if remittance.held_as_credit > 0:
            open_lot(
                account,
                CreditEntry.Kind.OVERPAYMENT,
                remittance.held_as_credit,
                remittance=remittance,
                note=f"Unallocated from remittance {reference or remittance.pk}",
                created_by=by,
            )
    return remittance


# --- statements --------------------------------------------------------------------------------


@dataclass
class Statement:
    account: Account
    invoices: list
    credit_notes: list
    payments: list
    owed: Decimal
    credit: Decimal
    overdue: Decimal

    @property
    def balance(self):
        """Positive: the account owes; negative: it holds credit."""
        return self.owed - self.credit


def statement(account, *, since=None):
    today = timezone.localdate()
    invoices = list(
        Invoice.objects.filter(account=account)
        .exclude(status=Invoice.Status.DRAFT)  # a void invoice is listed, as its credit note is
        .filter(Q(issued_on__gte=since) if since else Q())
        .prefetch_related("lines", "credit_notes", "payments")
        .order_by("issued_on", "number")  # a statement reads in date, then number, order
    )
    for invoice in invoices:
        invoice.owed = outstanding(invoice)
    owed = sum((i.owed for i in invoices), ZERO)
    overdue = sum((i.owed for i in invoices if i.due_on < today), ZERO)
    return Statement(
        account=account,
        invoices=invoices,
        credit_notes=list(
            CreditNote.objects.filter(account=account)
            .select_related("invoice")
            .order_by("issued_on", "number")
        ),
        payments=list(
            Payment.objects.filter(account=account)
            .select_related("invoice")
            .order_by("received_on", "pk")
        ),
        owed=owed,
        credit=spendable(account, single_purpose=None),
        overdue=overdue,
    )


# --- corrections by hand (finance officers, in the admin) ----------------------------------------


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Give a reason: it is kept with the correction for the audit trail.")
    return reason[:200]


def adjust_credit(account, amount, *, reason, by):
    """Add to (positive: a lot that never expires) or take from (negative: soonest to expire
    first) an account's spendable credit by hand, and return the amount. Never below zero:
    checked under the account's row lock, as draws are. Adjustments are general credit, never
    single-purpose voucher credit (VAT was charged on that when sold)."""
    reason = _reason(reason)
    amount = money(amount)
    if amount == 0:
        raise BillingError("An adjustment of £0.00 changes nothing: enter an amount.")
    with transaction.atomic():
        (account,) = _lock([account.pk])
        if amount > 0:
            open_lot(account, CreditEntry.Kind.ADJUSTMENT, amount, note=reason, created_by=by)
            return amount
        held = spendable(account)
        if held + amount < 0:
            raise BillingError(
                f"Taking £{-amount:,.2f} would take {account.name}'s credit below zero: "
                f"it holds £{held:,.2f} that can be adjusted."
            )
        take_credit(account, -amount, CreditEntry.Kind.ADJUSTMENT, note=reason, created_by=by)
        return amount


def left_to_credit(invoice):
    """Each line of the invoice with the net it has left to credit."""
    return [
        (line, line.net - total(line.credit_lines, "net")) for line in invoice.lines.order_by("pk")
    ]


def credit_by_hand(invoice, amounts, *, reason, by):
    """A credit note finance makes against an issued invoice: (line, net) pairs, each no more
    than the line has left (issue_credit_note checks, and numbers it in the CN series)."""
    reason = _reason(reason)
    with transaction.atomic():
        return issue_credit_note(invoice, amounts, reason=reason, by=by)


def void_invoice(invoice, *, reason, by):
    """Void = a credit note for everything every line has left, then the invoice is VOID. The
    invoice itself is never edited or deleted; what was paid on it is held as account credit."""
    reason = _reason(reason)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == Invoice.Status.VOID:
            raise BillingError(f"{invoice} is already void.")
        if not any(left > 0 for _, left in left_to_credit(invoice)):
            raise BillingError(f"{invoice} is already credited in full: nothing is left to void.")
        note = issue_credit_note(
            invoice, left_to_credit(invoice), reason=f"Void: {reason}"[:200], by=by
        )
        invoice.refresh_from_db()
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
    return note


MANUAL_VAT_TREATMENTS = ("standard", "zero", "exempt")


@dataclass
class ManualLine:
    """A free line of a manual invoice: what, how many, at what unit price before VAT."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_treatment: str
    nominal_code: str = ""

    @property
    def net(self):
        return money(_decimal(self.quantity) * _decimal(self.unit_price))  # rounded once

    @property
    def printed(self):
        quantity = f"{self.quantity.normalize():f}"
        return f"{self.description}: {quantity} × £{self.unit_price:,.2f}"


def issue_manual_invoice(account, lines, *, po_number="", reason, by, on=None):
    """An invoice finance raises by hand, for work that is not a course place. Issued through
    issue_invoice (address checked, gapless number); a refusal leaves no draft behind."""
    reason = _reason(reason)
    if not lines:
        raise BillingError("A manual invoice needs at least one line.")
    for line in lines:
        if line.vat_treatment not in MANUAL_VAT_TREATMENTS:
            raise BillingError(f"'{line.vat_treatment}' is not a VAT treatment for a line.")
        if line.quantity <= 0 or line.unit_price < 0 or line.net <= 0:
            raise BillingError(f"'{line.description}' needs a quantity and price above zero.")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            account=account, po_number=po_number.strip(), reason=reason, created_by=by
        )
        for line in lines:
            _add_line(
                invoice,
                description=line.printed,
                net=line.net,
                vat_treatment=line.vat_treatment,
                nominal_code=line.nominal_code.strip(),
            )
        return issue_invoice(invoice, on=on)
