"""Fixtures for every test. Tests build the data they need with tests/factories; only a test
that uses the `demo` fixture (directly, or through an autouse fixture in a directory's conftest
where tests are not yet ported) gets the demo programme that `make run` seeds.

The demo is seeded once, committed, the first time a test asks for it; tests are ordered so
that, within each of pytest-django's groups, those without the demo run before it exists."""

import pytest
from django.core.management import call_command

from tests.factories import cast, courses

# Whether the committed demo programme is in the test database now.
_demo = {"in_db": False}


def _uses_demo(item):
    return "demo" in getattr(item, "fixturenames", ())


def _is_transactional(item):
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    return bool(marked) or "transactional_db" in names or "live_server" in names


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """pytest-django runs database tests first, then transactional ones, then the rest; within
    each group, run the tests without the demo before those that seed it (a stable sort)."""

    def group(item):
        names = getattr(item, "fixturenames", ())
        if _is_transactional(item):
            return 1
        if item.get_closest_marker("django_db") or "db" in names:
            return 0
        return 2

    items.sort(key=lambda item: (group(item), _uses_demo(item)))


@pytest.fixture(scope="session")
def _demo_seeded(django_db_setup, django_db_blocker):
    """Seed the demo programme once, committed, for every test that uses it; each test rolls
    back its own changes. Session-scoped, so it runs before the test's transaction begins."""
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
    _demo["in_db"] = True


@pytest.fixture
def demo(_demo_seeded, db, request):
    """The seeded demo programme, as `make run` builds it. Re-seeds after a transactional
    test has flushed the database (seed_demo is idempotent)."""
    from home.models import HomePage

    if not HomePage.objects.exists():
        call_command("seed_demo", verbosity=0)
    yield
    if _is_transactional(request.node):
        _demo["in_db"] = False  # pytest-django flushes the database after this test


@pytest.fixture(autouse=True)
def _no_demo_unless_asked(request):
    """A test that did not ask for the demo must not find it. Ordering sees to that for
    rolled-back tests; a transactional test after the demo was committed flushes it first."""
    if not _demo["in_db"] or _uses_demo(request.node):
        return
    if "db" not in request.fixturenames and not _is_transactional(request.node):
        return
    if not _is_transactional(request.node):
        pytest.fail("a test without the demo ran after the demo was seeded (test order?)")
    request.getfixturevalue("transactional_db")
    call_command("flush", interactive=False, verbosity=0)
    _demo["in_db"] = False


@pytest.fixture
def database_url(db):
    """A DATABASE_URL for the test database, for subprocesses (workers, servers) to share it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a second process can share the test database only on PostgreSQL")
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached fragments live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def people(db, request):
    """The usual cast, by role: school A is Oakfield Primary, school B Riverside Academy.
    Built by the factories (tests/factories/cast.py); in a test that uses the demo, the demo's
    own people with the same names."""
    if _uses_demo(request.node):
        return _demo_people()
    return cast.people()


def _demo_people():
    from accounts.models import School, User

    by_email = {u.email: u for u in User.objects.all()}
    return {
        "school_a": School.objects.get(urn=990001),
        "school_b": School.objects.get(urn=990003),
        "teacher_a": by_email["teacher@oakfield.sch.uk"],
        "lead_a": by_email["cpdlead@oakfield.sch.uk"],
        "finance_a": by_email["finance@oakfield.sch.uk"],
        "head_a": by_email["head@oakfield.sch.uk"],
        "teacher_b": by_email["teacher@riverside-academy.org.uk"],
        "staff": by_email["admin@example.gov.uk"],
    }


@pytest.fixture
def site(db):
    """The home page, root of the default site, for a test that follows a link to "/"."""
    return courses.home()


@pytest.fixture
def make_user(db):
    """A new person with a verified (or not) email address."""
    from tests.factories import accounts

    def make(email, verified=True, **fields):
        return accounts.user(email, password="a-Strong-pass-2026", verified=verified, **fields)

    return make


@pytest.fixture
def group_people(people):
    """Trusts and a consortium with their people, made as the product makes them: Oakfield
    (school A) is in Haverleigh Learning Trust, Riverside (school B) in Northwich Academies
    Trust; each trust's CPD lead has an account (as sign-up leaves one: tests/factories) and is
    given the role by service staff in Wagtail's admin,
    and the Haverleigh lead adds a finance contact from the trust's page. Oakfield is also in
    the Haverleigh Schools Consortium, whose lead is added in the admin too."""
    from django.test import Client

    from accounts.models import Consortium, TrustMembership
    from tests import people as how
    from tests.factories import accounts

    school_a, school_b = people["school_a"], people["school_b"]
    trust = accounts.trust("Haverleigh Learning Trust", school_a)
    other_trust = accounts.trust("Northwich Academies Trust", school_b)
    consortium = Consortium.objects.create(name="Haverleigh Schools Consortium")
    consortium.schools.add(school_a)
    admin = how.superuser_client(Client)

    def signed_up(email):
        return accounts.user(email, first_name="Group", last_name=email.split("@")[0].title())

    trust_lead = signed_up("lead@haverleigh-trust.org.uk")
    how.add_trust_person_in_wagtail(admin, trust_lead, trust, "cpd_lead")
    other_lead = signed_up("lead@northwich-trust.org.uk")
    how.add_trust_person_in_wagtail(admin, other_lead, other_trust, "cpd_lead")
    consortium_lead = signed_up("lead@haverleigh-consortium.org.uk")
    how.add_consortium_lead_in_wagtail(admin, consortium_lead, consortium)
    trust_finance = signed_up("finance@haverleigh-trust.org.uk")
    lead_client = Client()
    lead_client.force_login(trust_lead)
    assert how.add_to_trust(lead_client, trust, trust_finance.email, "finance").status_code == 302
    return {
        "trust": trust,
        "other_trust": other_trust,
        "consortium": consortium,
        "trust_lead": trust_lead,
        "other_trust_lead": other_lead,
        "consortium_lead": consortium_lead,
        "trust_finance": trust_finance,
        "trust_finance_membership": TrustMembership.objects.get(user=trust_finance),
    }
