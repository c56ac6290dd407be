"""The backup drill: back up a seeded database and its media, restore both into an empty
database and folder, and check that nothing was lost. PostgreSQL only."""

import uuid

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from core.management.backups import libpq_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def empty_database():
    if connection.vendor != "postgresql":
        pytest.skip("backups use pg_dump/pg_restore: PostgreSQL only (DATABASE_URL=postgres://…)")
    source = connection.settings_dict
    name = f"{source['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin_url = libpq_url({**source, "NAME": "postgres"})
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield libpq_url({**source, "NAME": name})
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def row_counts(url):
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        }
    )
    count = sql.SQL("SELECT count(*) FROM {}")
    with psycopg.connect(url) as conn:
        return {t: conn.execute(count.format(sql.Identifier(t))).fetchone()[0] for t in tables}


def invoice_total(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(sum(gross), 0) FROM billing_invoice").fetchone()[0]


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(
    demo, settings, tmp_path, empty_database
):
    """Backs up the demo programme as `make run` seeds it: a database of realistic size (over a
    thousand rows, issued invoices) is what the drill is about, so this test keeps the demo."""
    from billing.models import Invoice

    assert Invoice.objects.exclude(gross=0).exists(), "the drill needs invoices to compare"
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "terms.pdf").write_bytes(b"%PDF-1.4 terms and conditions")
    settings.MEDIA_ROOT = media
    private = tmp_path / "private-media"
    (private / "invoices").mkdir(parents=True)
    (private / "invoices" / "CPD-2026-000001.pdf").write_bytes(b"%PDF-1.4 an invoice")
    settings.PRIVATE_MEDIA_ROOT = private
    source_url = libpq_url(connection.settings_dict)

    call_command("backup", to=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    restored_media = tmp_path / "restored-media"
    restored_private = tmp_path / "restored-private-media"
    call_command(
        "restore",
        str(folder),
        database_url=empty_database,
        media_root=str(restored_media),
        private_media_root=str(restored_private),
    )

    before, after = row_counts(source_url), row_counts(empty_database)
    assert after == before
    assert sum(before.values()) > 1000, "a seeded database, not an empty one"
    assert invoice_total(empty_database) == invoice_total(source_url) > 0
    restored = restored_media / "documents" / "terms.pdf"
    assert restored.read_bytes() == b"%PDF-1.4 terms and conditions"
    invoice = restored_private / "invoices" / "CPD-2026-000001.pdf"
    assert invoice.read_bytes() == b"%PDF-1.4 an invoice"
    assert not (restored_media / "invoices").exists()


def test_restore_refuses_a_database_that_is_not_empty(people, settings, tmp_path):
    """The database holds the usual cast (the `people` fixture): not empty, so no restore."""
    if connection.vendor != "postgresql":
        pytest.skip("backups use pg_dump/pg_restore: PostgreSQL only")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    call_command("backup", to=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    counts = row_counts(libpq_url(connection.settings_dict))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(folder), media_root=str(tmp_path / "restored"))
    assert row_counts(libpq_url(connection.settings_dict)) == counts
    assert not (tmp_path / "restored").exists()


def test_backup_says_clearly_that_it_needs_postgresql(settings, tmp_path):
    from core.management.backups import BackupError, libpq_url

    with pytest.raises(BackupError, match="Backups need PostgreSQL"):
        libpq_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"})
