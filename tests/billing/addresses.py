"""Billing addresses for accounts a test makes: a trust or consortium has no GIAS address, and
nothing is invoiced to an account without one (issue 16)."""

from billing.models import Account

AN_ADDRESS = {
    "address_line_1": "Trust House, 4 Mill Street",
    "town": "Haverleigh",
    "postcode": "HV2 7TT",
}


def addressed(account, **address):
    """The account, given a complete billing address (and saved)."""
    for field, value in (AN_ADDRESS | address).items():
        setattr(account, field, value)
    account.save()
    return account


def trust_account(trust, **address):
    """The trust's billing account, as settlement makes it, with an address."""
    account, _ = Account.objects.get_or_create(trust=trust, defaults={"kind": Account.Kind.TRUST})
    return addressed(account, **address)
