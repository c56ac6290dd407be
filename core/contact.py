"""The service's own contact address, for mail that has nobody else to go to (a join request at
a school with no CPD lead yet). Editors set it in the site settings (`home.SiteSettings`); core
imports none of our apps, so home hands in its reader at start-up (`HomeConfig.ready`). With no
reader, or no settings saved, the sending address answers."""

from django.conf import settings

_reader = []  # at most one: home's


def provide_reader(reader):
    """`reader()` returns the address editors set, or None."""
    _reader[:] = [reader]


def service_contact_email():
    return (_reader[0]() if _reader else None) or settings.DEFAULT_FROM_EMAIL
