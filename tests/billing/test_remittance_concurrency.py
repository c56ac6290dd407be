"""Item 7: two finance officers allocating remittances to the same invoice at once never pay it
twice over: the account and invoice row locks make the second see what the first applied."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import LocalAuthority, School
from billing import services
from billing.models import Payment, Remittance
from tests.billing.addresses import addressed
from tests.concurrency.conftest import postgres, stampede  # noqa: F401  (fixtures)

from .finance.helpers import issue

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_remittances_for_the_last_240_pounds_pay_it_once(postgres, stampede):  # noqa: F811
    la = LocalAuthority.objects.create(code="991", name="Race LA", is_partner=True)
    school = School.objects.create(
        urn=881101, name="Race Primary", local_authority=la, type_group="la_maintained",
        phase="primary",
    )  # fmt: skip
    account = addressed(services.school_account(school))
    # £200.00 net + 20 % VAT = £240.00 owed.
    invoice = issue(account, [("Place", "200.00", "standard")], on=timezone.localdate())
    today = timezone.localdate() - timedelta(days=1)

    def remit(reference):
        try:
            return services.record_remittance(
                account, Decimal("240.00"), [(invoice, Decimal("240.00"))],
                method="bacs", received_on=today, reference=reference,
            )  # fmt: skip
        except services.BillingError as refusal:
            return str(refusal)

    results = stampede(remit, ["REM-A", "REM-B"], workers=2)
    made = [r for r in results if isinstance(r, Remittance)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "paid in full" in refused[0]
    assert Payment.objects.filter(invoice=invoice).aggregate(t=Sum("applied"))["t"] == Decimal(
        "240.00"
    )
