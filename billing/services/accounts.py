"""Billing accounts: who is invoiced for a school's places, whether an account has an address
a document can go to, and the account row locks every money movement takes."""

from ..models import Account
from .errors import IncompleteBillingAddress


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


def invoicing_for(school):
    """Who is invoiced for a school's places and how (an `Account.Invoicing` value), read
    only: a school or trust with no account yet gets the account's defaults, and none is
    made."""
    trust = school.trust
    if trust is not None and trust.billed_centrally:
        party, account = trust, Account.objects.filter(trust=trust).first()
    else:
        party, account = school, Account.objects.filter(school=school).first()
    return party.name, account.invoicing if account else Account.Invoicing.PER_BOOKING


def address_for_documents(account):
    """The account, checked to have an address a document can go to (its own, or a school's
    GIAS address); raises IncompleteBillingAddress listing what is missing."""
    account = Account.objects.select_related("school", "trust", "consortium").get(pk=account.pk)
    missing = account.billing_address.missing()
    if missing:
        raise IncompleteBillingAddress(account, missing)
    return account


def _lock(account_ids):
    """Lock accounts in id order, so two settlements never wait on each other in a circle."""
    return list(Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk"))
