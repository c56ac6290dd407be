"""Account credit: the ledger of lots (a top-up, a package's credit, an overpayment) and what
is left in each; taking from them soonest to expire first; expiring and extending lots; giving
back what a place drew and did not use; and the lots and reservations as people see them."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import F, Min, Q, Sum
from django.utils import timezone

from ..models import ZERO, CreditEntry, CreditExtension
from .accounts import _lock
from .errors import BillingError, _reason, long_date
from .money import _sums_by, total


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


def _unapplied_draws(enrolment):
    return CreditEntry.objects.filter(
        enrolment=enrolment, invoice__isnull=True, kind__in=["draw", "release"]
    )


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
