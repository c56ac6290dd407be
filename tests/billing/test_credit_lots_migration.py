"""billing 0013 puts existing credit into lots, first in first out, without changing any
account's balance: worked by hand on a small ledger.

Before: +£500 package (A), +£100 overpayment (B), −£540 draw, +£40 release (with no place
named, so no draw to go back to), −£30 applied to an invoice.
FIFO: the draw takes £500 from A and £40 from B (split in two entries); the release opens its
own lot (C); the £30 comes from the oldest lot with money, B → A: 500 − 500 = £0; B: 100 − 40
− 30 = £30; C: £40. Balance before and after: 500 + 100 − 540 + 40 − 30 = £70."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("billing", "0011_who_corrected_by_hand")]
AFTER = [("billing", "0013_existing_credit_into_lots")]


def test_existing_credit_goes_into_lots_first_in_first_out():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Consortium = apps.get_model("accounts", "Consortium")
    Account = apps.get_model("billing", "Account")
    Entry = apps.get_model("billing", "CreditEntry")
    account = Account.objects.create(
        kind="consortium", consortium=Consortium.objects.create(name="Migration Pot")
    )
    for kind, amount in [
        ("package", "500.00"),
        ("overpayment", "100.00"),
        ("draw", "-540.00"),
        ("release", "40.00"),
        ("applied", "-30.00"),
    ]:
        Entry.objects.create(account=account, kind=kind, amount=Decimal(amount))

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Entry = apps.get_model("billing", "CreditEntry")
    entries = Entry.objects.filter(account_id=account.pk)
    package = entries.get(kind="package")
    overpayment = entries.get(kind="overpayment")
    assert (package.lot_id, overpayment.lot_id) == (package.pk, overpayment.pk)
    assert sorted(entries.filter(kind="draw").values_list("lot", "amount")) == sorted(
        [(package.pk, Decimal("-500.00")), (overpayment.pk, Decimal("-40.00"))]
    )
    release = entries.get(kind="release")
    assert release.lot_id == release.pk
    assert entries.get(kind="applied").lot_id == overpayment.pk
    left = dict(entries.values("lot").annotate(t=Sum("amount")).values_list("lot", "t"))
    assert left == {
        package.pk: Decimal("0.00"),
        overpayment.pk: Decimal("30.00"),
        release.pk: Decimal("40.00"),
    }
    assert entries.aggregate(t=Sum("amount"))["t"] == Decimal("70.00")
    assert not entries.filter(lot__isnull=True).exists()
    assert package.use_by is None  # its expiry was never agreed: it does not expire
