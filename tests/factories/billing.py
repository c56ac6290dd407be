"""A school's billing account (how it is invoiced, its contact) and its finance contact, made
through billing's own services."""

from billing import services
from billing.models import Account

from . import accounts


def account(school, *, invoicing=None, **fields):
    """The school's account (billing.services.school_account makes it on first use), with
    `invoicing` (Account.Invoicing) and contact or address fields set as given."""
    found = services.school_account(school)
    if invoicing is not None:
        fields["invoicing"] = invoicing
    for name, value in fields.items():
        setattr(found, name, value)
    if fields:
        found.save(update_fields=list(fields))
    return found


def finance_contact(school, email=None, **fields):
    """A person on the school's staff list who is its finance contact."""
    return accounts.member(school, "finance", email=email, **fields)


MONTHLY = Account.Invoicing.MONTHLY
PER_BOOKING = Account.Invoicing.PER_BOOKING
