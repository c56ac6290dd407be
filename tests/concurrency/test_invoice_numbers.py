"""Invoice numbers are gapless and unique however many are issued at once (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import LocalAuthority, School
from billing import services
from billing.models import Invoice, NumberSeries

pytestmark = pytest.mark.django_db(transaction=True)


def _drafts(n):
    la = LocalAuthority.objects.create(code="990", name="Test LA", is_partner=True)
    school = School.objects.create(
        urn=880001,
        name="Numbering School",
        local_authority=la,
        type_group="la_maintained",
        phase="primary",
        # Its GIAS address: nothing is invoiced without one.
        street="1 Ledger Lane",
        town="Haverleigh",
        postcode="HV1 2NS",
    )
    account = services.school_account(school)
    drafts = []
    for i in range(n):
        invoice = Invoice.objects.create(account=account)
        services._add_line(
            invoice, description=f"Line {i}", net=Decimal("10.00"), vat_treatment="standard"
        )
        drafts.append(invoice)
    return drafts


def _issue(invoice):
    with transaction.atomic():
        return services.issue_invoice(invoice).number


def test_fifty_parallel_issues_take_fifty_consecutive_numbers(postgres, stampede):
    drafts = _drafts(50)
    before = dict(NumberSeries.objects.values_list("prefix", "next_number"))
    numbers = stampede(_issue, drafts, workers=50)  # 50 at once, each on its own connection
    assert len(set(numbers)) == 50
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + 50))
    prefix = numbers[0].rsplit("-", 1)[0]
    assert all(n.startswith(prefix + "-") for n in numbers)
    # The run starts where the series stood: no number was skipped before it either.
    assert sequence[0] == before.get(prefix, 1)
    assert NumberSeries.objects.get(prefix=prefix).next_number == sequence[-1] + 1


def test_a_rolled_back_issue_gives_its_number_back(postgres):
    first, second = _drafts(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.issue_invoice(first)
        raise RuntimeError("e.g. the PDF step failed")
    assert Invoice.objects.get(pk=first.pk).number is None
    taken = _issue(second)
    series = NumberSeries.objects.get(prefix=taken.rsplit("-", 1)[0])
    assert int(taken.rsplit("-", 1)[1]) == series.next_number - 1
    assert _issue(first) == taken[:-6] + f"{int(taken[-6:]) + 1:06d}"


def test_control_without_the_row_lock_the_same_issues_clash(postgres, stampede, monkeypatch):
    """Without select_for_update the series hands one number out twice: the lock is what the
    test above proves, not luck."""
    import time

    def unlocked_next_number(prefix):
        series, _ = NumberSeries.objects.get_or_create(prefix=prefix)
        number = series.next_number
        time.sleep(0.05)  # widen the race between reading and writing the counter
        NumberSeries.objects.filter(pk=series.pk).update(next_number=number + 1)
        return f"{prefix}-{number:06d}"

    monkeypatch.setattr("billing.services.invoicing.next_number", unlocked_next_number)

    def issue_or_clash(invoice):
        try:
            return _issue(invoice)
        except IntegrityError:
            return "clash"  # the unique number caught a duplicate the series handed out

    results = stampede(issue_or_clash, _drafts(20), workers=20)
    assert "clash" in results
