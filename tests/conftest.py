import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo programme once for the whole run; each test rolls back its own changes."""
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)


@pytest.fixture
def demo(db):
    """The seeded demo programme, as `make run` builds it. Re-seeds after a transactional
    test has flushed the database (seed_demo is idempotent)."""
    from home.models import HomePage

    if not HomePage.objects.exists():
        call_command("seed_demo", verbosity=0)


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
def people(demo):
    """The demo's people, by role: school A is Oakfield Primary, school B Riverside Academy."""
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
def make_user(db):
    """A new person with a verified (or not) email address."""
    from allauth.account.models import EmailAddress

    from accounts.models import User

    def make(email, verified=True, **fields):
        user = User.objects.create_user(email, "a-Strong-pass-2026", **fields)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make
