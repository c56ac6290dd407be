"""The email provider's tracking webhook, through anymail's real Postmark view: a bounce marks
the person and finance sees its finance contacts bounce; a wrong secret is refused with 401;
a payload that is not Postmark's is answered 400 and records nothing. The payloads are
Postmark's own shapes, as anymail's tests (tests/test_postmark_webhooks.py) post them."""

import base64
import importlib
import json
import re
from html import unescape

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

import config.urls
from accounts import roles
from accounts.models import EmailBounce
from tests.factories import accounts

SECRET = "postmark:a-long-random-webhook-password"  # noqa: S105  (test data)
URL = "/email/events/postmark/tracking/"


def _reload_urls():
    clear_url_caches()
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def postmark():
    with override_settings(
        EMAIL_PROVIDER="postmark",
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
        ANYMAIL={"WEBHOOK_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "test-token"},
    ):
        _reload_urls()
        yield
    _reload_urls()


def hard_bounce(email, at="2026-12-03T16:28:50.3963933-04:00"):
    return {
        "RecordType": "Bounce",
        "ID": 901542550,
        "Type": "HardBounce",
        "TypeCode": 1,
        "ServerID": 23,
        "Name": "Hard bounce",
        "MessageID": "2706ee8a-737c-4285-b032-ccd317af53ed",
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "cpd@example.gov.uk",
        "BouncedAt": at,
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Invoice INV-000123",
        "Content": "...",
    }


def delivery(email, at="2026-12-05T13:28:10.2735393Z"):
    return {
        "RecordType": "Delivery",
        "ServerId": 23,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": email,
        "Tag": "invoice",
        "Metadata": {},
        "DeliveredAt": at,
        "Details": "Test delivery webhook details",
    }


def post(client, payload, secret=SECRET):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    headers = {}
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def finance_contact(db):
    school = accounts.school("Oakfield Primary School", domain="oakfield.sch.uk")
    person = accounts.member(
        school, "finance", email="finance@oakfield.sch.uk", first_name="Fola", last_name="Ade"
    )
    return person


def dashboard(client, who):
    client.force_login(who)
    response = client.get("/admin/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def test_a_bounce_marks_the_person_and_finance_sees_the_finance_contact(
    client, postmark, finance_contact
):
    response = post(client, hard_bounce("Finance@Oakfield.sch.uk"))

    assert response.status_code == 200
    bounce = EmailBounce.objects.get(user=finance_contact)
    assert bounce.address == "finance@oakfield.sch.uk"
    assert bounce.kind == EmailBounce.Kind.BOUNCED
    assert "mailbox not found" in bounce.reason
    assert bounce.provider == "Postmark"
    finance_contact.refresh_from_db()
    assert finance_contact.bouncing_email == bounce

    page = dashboard(client, accounts.staff(None, roles.FINANCE))
    panel = page.split("Finance contacts whose email bounces", 1)[1]
    assert "Fola Ade" in panel
    assert "finance@oakfield.sch.uk" in panel
    assert "Oakfield Primary School" in panel
    assert 'Bounced <time datetime="2026-12-03T20:28:50' in panel  # 16:28 at UTC-4
    assert "3 Dec 2026</time>: The server was unable to deliver" in panel


def test_a_later_delivery_to_the_address_clears_the_mark(client, postmark, finance_contact):
    post(client, hard_bounce("finance@oakfield.sch.uk"))
    post(client, delivery("finance@oakfield.sch.uk", at="2026-12-01T09:00:00Z"))  # older
    assert EmailBounce.objects.filter(user=finance_contact).exists()

    assert post(client, delivery("finance@oakfield.sch.uk")).status_code == 200

    assert not EmailBounce.objects.filter(user=finance_contact).exists()
    page = dashboard(client, accounts.staff(None, roles.FINANCE))
    assert "Finance contacts whose email bounces" not in page


@pytest.mark.parametrize(
    "secret", [None, "postmark:wrong-password", "postmark:a-long-random-webhook-passwor"]
)
def test_a_wrong_or_missing_secret_is_refused_and_records_nothing(
    client, postmark, finance_contact, secret
):
    response = post(client, hard_bounce("finance@oakfield.sch.uk"), secret=secret)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not EmailBounce.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "[]",  # a list where Postmark sends one event
        '"Bounce"',
        json.dumps({**hard_bounce("finance@oakfield.sch.uk"), "BouncedAt": 20261203}),
    ],
)
def test_a_payload_that_is_not_postmarks_is_answered_400_and_records_nothing(
    client, postmark, finance_contact, payload
):
    response = post(client, payload)

    assert response.status_code == 400
    assert not EmailBounce.objects.exists()


def test_without_a_provider_there_is_no_webhook(client, finance_contact):
    _reload_urls()
    with pytest.raises(NoReverseMatch):
        reverse("anymail:postmark_tracking_webhook")
    response = post(client, hard_bounce("finance@oakfield.sch.uk"))
    assert response.status_code == 404
    assert not EmailBounce.objects.exists()


def test_with_a_provider_the_webhook_is_anymails_under_email_events(postmark):
    assert reverse("anymail:postmark_tracking_webhook") == URL
    with pytest.raises(NoReverseMatch):  # inbound mail is not taken
        reverse("anymail:postmark_inbound_webhook")
