"""Credit at booking: a place is paid from prepaid credit first, from the school's own budget,
then its centrally billing trust's, then its consortia's (draw_credit_for_place); and what that
would do, told to the booker beforehand (credit_cover)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from ..models import ZERO, Account, CreditEntry
from .accounts import _lock, billed_account, school_account
from .credit import spendable, take_credit
from .invoicing import invoiced_net
from .money import VAT_RATES, vat_on


def _budgets_for(school, *, approved_consortium=None, asking=False):
    """Credit a school's places may draw on, in the order they are drawn: its own, then its
    trust's if the trust is billed centrally, then its consortia's shared budgets, except
    those closed to the school. A budget whose leads approve its spending is drawn only for
    the place they approved (`approved_consortium`, an id), or counted when `asking` who
    would need to be asked."""
    accounts = [school_account(school)]
    if school.trust_id and school.trust.billed_centrally:
        accounts.append(billed_account(school))
    consortia = school.consortia.exclude(budget_closed_to=school).order_by("name", "pk")
    for consortium in consortia:
        if consortium.budget_needs_approval and not (
            asking or consortium.pk == approved_consortium
        ):
            continue
        account, _ = Account.objects.get_or_create(
            consortium=consortium, defaults={"kind": Account.Kind.CONSORTIUM}
        )
        account.consortium = consortium
        accounts.append(account)
    return accounts


def consortium_to_ask(school, price, vat_rate):
    """The consortium whose leads must approve before its budget pays for a place at `price`
    booked now (the first in the draw that asks for approval), or None. Reads only: the draw
    itself (draw_credit_for_place) happens once the place is confirmed."""
    if price + vat_on(price, vat_rate) <= 0 or not has_credit_to_draw(school):
        return None
    budgets = _budgets_for(school, asking=True)
    for i, _, _ in _plan_draw(price, vat_rate, *_left_in(budgets, vat_rate)):
        consortium = budgets[i].consortium if budgets[i].consortium_id else None
        if consortium is not None and consortium.budget_needs_approval:
            return consortium
    return None


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


def draw_credit_for_place(enrolment, *, new=False, approved_consortium=None):
    """At booking, the place is paid from prepaid credit first (`_plan_draw`). Runs inside the
    booking's transaction; a place draws once (`new`: just made, so nothing drawn yet). A
    consortium budget that needs its leads' approval is drawn only when `approved_consortium`
    (an id) names it: a declined or never-asked place is paid by the school."""
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
    budgets = _budgets_for(school, approved_consortium=approved_consortium)
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


def credit_drawn_for(places):
    """For these places, in one query: the prepaid credit reserved when they were booked (a
    positive sum), and the ids of those a single-purpose voucher paid (they bear no VAT)."""
    drawn = list(CreditEntry.objects.filter(enrolment__in=places, kind="draw"))
    return (
        -sum((entry.amount for entry in drawn), ZERO),
        {entry.enrolment_id for entry in drawn if entry.single_purpose},
    )
