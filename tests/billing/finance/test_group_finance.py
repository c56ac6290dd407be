"""What a trust's or a consortium's people see of money: a centrally billed trust's finance
contact sees and can pay the trust's invoices, its CPD lead does not; a consortium's lead sees
the shared budget's account. People are made through the trust and admin pages
(`group_people`)."""

import pytest

from accounts.models import Trust
from billing import services
from billing.models import Account

from .helpers import issue


@pytest.fixture
def trust_invoice(people, group_people):
    Trust.objects.filter(pk=group_people["trust"].pk).update(billed_centrally=True)
    people["school_a"].refresh_from_db()
    account = services.billed_account(people["school_a"])
    assert account.kind == Account.Kind.TRUST
    # A trust has no address in DfE's register: finance sets one on its account.
    account.address_line_1, account.town, account.postcode = "1 Trust Way", "Haverleigh", "HV1 2TT"
    account.save()
    return issue(account, [("Place: Phonics that sticks (ITL-900-1)", "110.00", "standard", "")])


@pytest.mark.parametrize(
    ("caller", "sees"),
    [("trust_finance", True), ("trust_lead", False), ("other_trust_lead", False)],
)
def test_a_centrally_billed_trust_s_invoices_are_its_finance_contacts(
    client, group_people, trust_invoice, caller, sees
):
    client.force_login(group_people[caller])
    account = client.get(f"/billing/accounts/{trust_invoice.account_id}/")
    invoice = client.get(f"/billing/invoices/{trust_invoice.pk}/")
    assert (account.status_code, invoice.status_code) == ((200, 200) if sees else (404, 404))
    if sees:
        assert trust_invoice.number in account.content.decode()


def test_the_trust_page_links_its_finance_contact_to_the_trust_s_invoices(
    client, group_people, trust_invoice
):
    client.force_login(group_people["trust_finance"])
    html = client.get(f"/account/trust/{group_people['trust'].pk}/").content.decode()
    assert f"/billing/accounts/{trust_invoice.account_id}/" in html


@pytest.mark.parametrize(
    ("caller", "sees"),
    [("consortium_lead", True), ("trust_lead", False), ("other_trust_lead", False)],
)
def test_a_consortium_lead_sees_the_shared_budget(client, group_people, caller, sees):
    budget = Account.objects.create(
        kind=Account.Kind.CONSORTIUM, consortium=group_people["consortium"]
    )
    client.force_login(group_people[caller])
    assert client.get(f"/billing/accounts/{budget.pk}/").status_code == (200 if sees else 404)
    if sees:
        page = client.get(f"/account/consortium/{group_people['consortium'].pk}/")
        assert f"/billing/accounts/{budget.pk}/" in page.content.decode()
