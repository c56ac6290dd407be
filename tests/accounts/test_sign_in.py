"""allauth flows as people meet them: sign up and verify, sign in, admin sign-in with MFA,
rate limits, and Microsoft / Google sign-in (the providers' real code, no network)."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from tests import people as via
from tests.factories import accounts
from tests.forms import assert_errors_are_clear

PASSWORD = "Correct-Horse-Battery-2026"


def _signup(client, email, password=PASSWORD, password2=None):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": password, "password2": password2 or password},
    )


def test_sign_up_verify_then_find_your_school(client, db):
    response = _signup(client, "New.Teacher@Oakfield.sch.uk")
    assert response.status_code == 302
    user = User.objects.get(email="new.teacher@oakfield.sch.uk")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body).group(
        0
    )

    # Until the email is verified, signing in is not enough.
    client.logout()
    client.post("/accounts/login/", {"login": "new.teacher@oakfield.sch.uk", "password": PASSWORD})
    assert client.get("/account/").status_code == 302

    path = link.split("testserver", 1)[-1]
    response = client.post(path)
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert response["Location"] == "/account/school/find/"


@pytest.mark.parametrize(
    "variant", ["teacher@oakfield.sch.uk", "TEACHER@OAKFIELD.SCH.UK", " Teacher@Oakfield.sch.uk "]
)
def test_an_email_already_taken_in_any_case_gets_no_second_account(client, people, variant):
    """Refused without saying so on the page (that would reveal who has an account):
    the owner of the address is told instead."""
    before = User.objects.count()
    response = _signup(client, variant)
    assert User.objects.count() == before
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert [m.to for m in mail.outbox] == [["teacher@oakfield.sch.uk"]]
    assert "Account already exists" in mail.outbox[0].subject


def test_the_database_refuses_a_case_variant_email(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Teacher@Oakfield.SCH.uk")])


def test_sign_up_with_mismatched_passwords_writes_nothing(client, db):
    response = _signup(client, "a@b.example", password2="Something-else-2026")
    assert response.status_code == 200
    assert not User.objects.filter(email="a@b.example").exists()


def test_the_admin_sign_in_is_allauths(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/")


def test_sixth_failed_sign_in_within_five_minutes_is_refused(client, people):
    for attempt in range(5):
        response = client.post(
            "/accounts/login/", {"login": "admin@example.gov.uk", "password": f"wrong-{attempt}"}
        )
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    response = client.post(
        "/accounts/login/", {"login": "admin@example.gov.uk", "password": accounts.PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def _current_code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def mfa_required(settings):
    settings.ADMIN_MFA_REQUIRED = True


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, people, mfa_required):
    client.force_login(User.objects.get(email="admin@example.gov.uk"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_staff_with_totp_sign_in_with_a_code_and_reach_the_admin(client, people, mfa_required):
    admin = User.objects.get(email="admin@example.gov.uk")
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)

    response = client.post(
        "/accounts/login/", {"login": "admin@example.gov.uk", "password": accounts.PASSWORD}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session, "the password alone must not sign staff in"

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert client.get("/admin/").status_code == 200


def test_teachers_are_not_asked_for_mfa_on_the_public_site(client, people, mfa_required):
    client.force_login(User.objects.get(email="teacher@oakfield.sch.uk"))
    assert client.get("/account/").status_code == 200


# --- Microsoft 365 and Google Workspace -------------------------------------------------------

PROVIDERS = {
    "google": {
        "id": "108204268033311374519",
        "email": "r.shah@oakfield.sch.uk",
        "verified_email": True,
        "given_name": "Rekha",
        "family_name": "Shah",
        "name": "Rekha Shah",
    },
    "microsoft": {
        "id": "48d31887-5fad-4d73-a9f5-3c356e68a038",
        "mail": "r.shah@oakfield.sch.uk",
        "userPrincipalName": "r.shah@oakfield.sch.uk",
        "givenName": "Rekha",
        "surname": "Shah",
        "displayName": "Rekha Shah",
        # what accounts.microsoft adds from the ID token: the domain owner verified the address
        "id_token_claims": {"tid": "5c4001a1-1111-4111-8111-000000000001", "xms_edov": True},
    },
}


@pytest.fixture
def social_apps(settings):
    from config.settings.base import social_providers

    settings.SOCIALACCOUNT_PROVIDERS = social_providers(
        {
            "GOOGLE_CLIENT_ID": "g-id",
            "GOOGLE_CLIENT_SECRET": "g-secret",
            "MICROSOFT_CLIENT_ID": "m-id",
            "MICROSOFT_CLIENT_SECRET": "m-secret",
        }
    )


def test_no_social_sign_in_without_configuration():
    from config.settings.base import social_providers

    assert social_providers({}) == {}


def _social_login(rf, provider_id, payload):
    from allauth.core import context
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.helpers import complete_social_login
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    request = rf.get(f"/accounts/{provider_id}/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    with context.request_context(request):
        provider = get_adapter().get_provider(request, provider_id)
        sociallogin = provider.sociallogin_from_response(request, payload)
        response = complete_social_login(request, sociallogin)
    return request, response


@pytest.mark.parametrize("provider_id", ["google", "microsoft"])
def test_school_sign_in_creates_a_verified_account(rf, db, social_apps, provider_id):
    request, response = _social_login(rf, provider_id, PROVIDERS[provider_id])
    assert response.status_code == 302
    user = User.objects.get(email="r.shah@oakfield.sch.uk")
    assert (user.first_name, user.last_name) == ("Rekha", "Shah")
    assert EmailAddress.objects.get(user=user).verified
    assert user.socialaccount_set.get().provider == provider_id
    assert request.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("provider_id", ["google", "microsoft"])
def test_school_sign_in_joins_the_existing_account_with_that_email(
    rf, people, social_apps, provider_id
):
    """An account with no role anywhere yet (signed up, not joined a school). Accounts with a
    role or staff powers are never connected this way (tests/security)."""
    existing = via.sign_up(Client(), "new.teacher@oakfield.sch.uk")
    payload = dict(PROVIDERS[provider_id])
    for key in ("email", "mail", "userPrincipalName"):
        if key in payload:
            payload[key] = "New.Teacher@Oakfield.sch.uk"
    request, _ = _social_login(rf, provider_id, payload)
    assert User.objects.filter(email__iexact="new.teacher@oakfield.sch.uk").count() == 1
    assert existing.socialaccount_set.get().provider == provider_id
    assert request.session["_auth_user_id"] == str(existing.pk)


def test_the_sign_in_page_speaks_in_sentence_case(client, db):
    """allauth writes "Sign In" and "Remember Me"; locale/en_GB makes them sentence case."""
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r"<title>\s*Sign in\s*\|", html)
    assert re.search(r"<h1[^>]*>\s*Sign in\s*</h1>", html)
    assert re.search(r"<button[^>]*>\s*Sign in\s*</button>", html)
    assert "Remember me" in html
    assert "Sign In" not in html and "Remember Me" not in html


def test_a_failed_sign_in_says_what_is_wrong_and_where(client, people):
    response = client.post(
        "/accounts/login/", {"login": "teacher@oakfield.sch.uk", "password": "not-it"}
    )
    assert_errors_are_clear(response.content.decode())
