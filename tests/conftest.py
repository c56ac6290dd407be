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
