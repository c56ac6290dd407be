"""Fixtures for the finance pages, PDFs, emails, reminders, exports and admin."""

from datetime import date

import pytest

from accounts import roles
from billing import services
from tests.factories import cast

from .helpers import issue


@pytest.fixture
def media(settings, tmp_path):
    """Stored PDFs go to a temporary folder, not the project's media/ or private-media/."""
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return tmp_path


@pytest.fixture
def account_a(people):
    """Oakfield's account: invoices go to the school's GIAS address, for the attention of its
    business manager."""
    account = services.school_account(people["school_a"])
    account.contact_name = "School Business Manager"
    account.save()
    return account


@pytest.fixture
def invoice_a(account_a):
    """An issued invoice for school A with a PO number, and standard, zero and exempt lines."""
    return issue(
        account_a,
        [
            (
                "Place: Phonics that sticks (ITL-900-1) — Ada Lovelace",
                "110.00",
                "standard",
                "4101-ITL",
            ),
            ("Place: Inspection briefing (INS-900-1) — Alan Turing", "95.00", "exempt", "4105-INS"),
            ("Place: Data for governors (DAT-900-1) — Grace Hopper", "40.00", "zero", "4103-DAT"),
        ],  # fmt: skip
        po_number="PO-OAK-7731",
        on=date(2026, 10, 5),
    )


@pytest.fixture
def finance_b(people, make_user):
    """A finance contact of school B (Riverside Academy)."""
    from accounts.models import Membership

    user = make_user("bursar@riverside-academy.org.uk")
    Membership.objects.create(
        user=user, school=people["school_b"], is_teacher=False, is_finance=True
    )
    return user


@pytest.fixture
def finance_officer(db):
    return cast.officer(roles.FINANCE)


@pytest.fixture
def bookings_officer(db):
    return cast.officer(roles.BOOKINGS)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (Celery tasks, eager here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
