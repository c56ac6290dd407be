"""Invoices and credit notes are kept in private storage, never in the public media that the
CDN serves, and leave only through the finance views that check who is asking."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client

from billing import services
from billing.models import Invoice
from tests import people as via
from tests.billing.finance.helpers import credit, issue

from .booked import signed_in

pytestmark = pytest.mark.urls("tests.security.media_as_served")


@pytest.fixture
def stores(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (tmp_path / "media").mkdir()
    return tmp_path


@pytest.fixture
def invoice_a(people, stores):
    account = services.school_account(people["school_a"])
    return issue(account, [("Place: Phonics (ITL-900-1)", "110.00", "standard")], on=date.today())


def _public_files(stores):
    return [p for p in (stores / "media").rglob("*") if p.is_file()]


def _body(response):
    return b"".join(response.streaming_content)


def _other_schools_finance_contact(people):
    """A bursar signs up on Riverside's domain, joins, and is given the finance role."""
    client = Client()
    bursar = via.sign_up(client, "bursar@riverside-academy.org.uk")
    via.join_school(client, people["school_b"])
    admin = via.superuser_client(Client)
    membership = via.membership(bursar, people["school_b"])
    assert via.set_roles(admin, membership, "finance").status_code == 302
    via.membership(bursar, people["school_b"]).refresh_from_db()
    return client


def test_an_issued_invoice_is_not_in_public_media(invoice_a, stores):
    finance = signed_in("finance@oakfield.sch.uk")
    response = finance.get(f"/billing/invoices/{invoice_a.pk}/pdf/")
    assert response.status_code == 200
    served = _body(response)
    assert served.startswith(b"%PDF")
    invoice_a.refresh_from_db()
    assert invoice_a.pdf.name.startswith("invoices/")
    assert _public_files(stores) == []
    assert not storages["default"].exists(invoice_a.pdf.name)
    assert Client().get(f"/media/{invoice_a.pdf.name}").status_code == 404
    # Kept privately, and served byte for byte from there on every download.
    assert (stores / "private" / invoice_a.pdf.name).read_bytes() == served
    again = _body(finance.get(f"/billing/invoices/{invoice_a.pk}/pdf/"))
    assert again == served


def test_a_credit_note_is_not_in_public_media(invoice_a, stores):
    line = invoice_a.lines.get()
    note = credit(invoice_a, [(line, Decimal("10.00"))])
    finance = signed_in("finance@oakfield.sch.uk")
    response = finance.get(f"/billing/credit-notes/{note.pk}/pdf/")
    assert response.status_code == 200
    served = _body(response)
    note.refresh_from_db()
    assert _public_files(stores) == []
    assert Client().get(f"/media/{note.pdf.name}").status_code == 404
    assert (stores / "private" / note.pdf.name).read_bytes() == served


def test_another_schools_finance_contact_gets_404(invoice_a, people):
    signed_in("finance@oakfield.sch.uk").get(f"/billing/invoices/{invoice_a.pk}/pdf/")
    bursar = _other_schools_finance_contact(people)
    assert bursar.get("/billing/").status_code in (200, 302)
    assert bursar.get(f"/billing/invoices/{invoice_a.pk}/pdf/").status_code == 404
    assert Client().get(f"/billing/invoices/{invoice_a.pk}/pdf/").status_code == 302  # sign in


def test_the_migration_moves_documents_already_in_public_media(invoice_a, stores):
    """A PDF stored before this change, in public media, moves to private storage unchanged,
    the public copy goes, and the finance view still serves the same bytes."""
    old = b"%PDF-1.7 issued before the move"
    name = storages["default"].save(f"invoices/{invoice_a.number}.pdf", ContentFile(old))
    Invoice.objects.filter(pk=invoice_a.pk).update(pdf=name)
    assert Client().get(f"/media/{name}").status_code == 200  # public, as it was
    migration = importlib.import_module(
        "billing.migrations.0005_financial_documents_in_private_storage"
    )
    migration.move_to_private_storage(apps, None)
    migration.move_to_private_storage(apps, None)  # running it again changes nothing
    assert _public_files(stores) == []
    assert Client().get(f"/media/{name}").status_code == 404
    finance = signed_in("finance@oakfield.sch.uk")
    assert _body(finance.get(f"/billing/invoices/{invoice_a.pk}/pdf/")) == old


def test_in_object_storage_every_document_url_is_signed_and_short_lived(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    from storages.backends.s3 import S3Storage

    from core.private_storage import private_storage_setting

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    backend = "storages.backends.s3.S3Storage"
    wanted = {"bucket_name": "cpd-private", "region_name": "eu-west-2"}
    careless = {**wanted, "querystring_auth": False, "querystring_expire": 86400}
    setting = private_storage_setting(backend, careless)
    url = S3Storage(**setting["OPTIONS"]).url("invoices/CPD-2026-000001.pdf")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    assert setting["OPTIONS"]["default_acl"] == "private"
    with pytest.raises(ImproperlyConfigured):
        private_storage_setting(backend, {**wanted, "custom_domain": "media.example"})
