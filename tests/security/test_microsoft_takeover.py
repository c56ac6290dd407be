"""Account takeover through Microsoft sign-in, as an attacker would try it: an administrator of
their own Microsoft tenant sets a user's `mail` to a school address and signs in here.

The whole allauth flow runs: the sign-in button's POST, Microsoft's redirect back with a code
and the state, allauth's token exchange and Graph profile request. Only Microsoft's servers
are doubled, at the requests transport, serving a token response (with an ID token) and the
Graph profile the attacker's tenant would give."""

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client

from accounts.models import JoinRequest, Membership, User
from tests import people as via

CLIENT_ID = "m-id"
EVIL_TENANT = "0badc0de-0000-4000-8000-000000000666"
SCHOOLS_TENANT = "5c4001a1-1111-4111-8111-000000000001"


def _jwt(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class MicrosoftServers(requests.adapters.BaseAdapter):
    """login.microsoftonline.com and graph.microsoft.com, as one tenant answers."""

    def __init__(self, profile, claims):
        super().__init__()
        self.profile, self.claims = profile, claims

    def send(self, request, **kwargs):
        url = urlparse(request.url)
        if url.hostname == "login.microsoftonline.com" and url.path.endswith("/token"):
            body = {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": "graph-access-token",
                "id_token": _jwt({"aud": CLIENT_ID, **self.claims}),
            }
        elif url.hostname == "graph.microsoft.com" and url.path == "/v1.0/me":
            body = self.profile
        else:
            raise AssertionError(f"unexpected request to {request.url}")
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def microsoft(settings, monkeypatch):
    from config.settings.base import social_providers

    settings.SOCIALACCOUNT_PROVIDERS = social_providers(
        {"MICROSOFT_CLIENT_ID": CLIENT_ID, "MICROSOFT_CLIENT_SECRET": "m-secret"}
    )
    settings.MICROSOFT_TRUSTED_TENANTS = frozenset({SCHOOLS_TENANT})

    def sign_in_with_microsoft(client, email, tenant=EVIL_TENANT, **claims):
        profile = {
            "id": f"uid-{tenant}-{email}",
            "mail": email,
            "userPrincipalName": f"someone@{tenant}.onmicrosoft.com",
            "givenName": "Forged",
            "surname": "Person",
        }
        servers = MicrosoftServers(profile, {"tid": tenant, **claims})

        def session(self):
            s = requests.Session()
            s.mount("https://", servers)
            return s

        monkeypatch.setattr("accounts.adapters.SocialAccountAdapter.get_requests_session", session)
        start = client.post("/accounts/microsoft/login/")
        assert start.status_code == 302, start.content[:500]
        state = parse_qs(urlparse(start["Location"]).query)["state"][0]
        return client.get(
            "/accounts/microsoft/login/callback/", {"code": "auth-code", "state": state}
        )

    return sign_in_with_microsoft


def _signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_a_forged_mail_claim_does_not_sign_in_as_the_teacher(people, microsoft):
    attacker = Client()
    microsoft(attacker, "teacher@oakfield.sch.uk")
    assert _signed_in_as(attacker) != people["teacher_a"]
    assert not people["teacher_a"].socialaccount_set.exists()


def test_even_a_vouched_address_does_not_take_over_an_account_with_a_school_role(people, microsoft):
    """The lead's own tenant may vouch for the address; the lead still signs in as usual and
    connects Microsoft themselves, so a compromised tenant account cannot take the role."""
    client = Client()
    microsoft(client, "cpdlead@oakfield.sch.uk", xms_edov=True)
    assert _signed_in_as(client) != people["lead_a"]
    assert not people["lead_a"].socialaccount_set.exists()


def test_a_forged_address_cannot_join_a_school_by_its_domain(people, microsoft):
    attacker = Client()
    microsoft(attacker, "new.head@oakfield.sch.uk")
    user = User.objects.get(email="new.head@oakfield.sch.uk")
    assert not user.emailaddress_set.get().verified
    # allauth asks them to verify by email first; even signed in, joining is only a request
    attacker.force_login(user)
    via.join_school(attacker, people["school_a"])
    assert not Membership.objects.filter(user=user).exists()
    assert JoinRequest.objects.filter(user=user, school=people["school_a"]).exists()


@pytest.mark.parametrize(
    "tenant, claims", [(EVIL_TENANT, {"xms_edov": True}), (SCHOOLS_TENANT, {})]
)
def test_an_address_microsoft_vouches_for_signs_in_verified(people, microsoft, tenant, claims):
    client = Client()
    microsoft(client, "r.shah@oakfield.sch.uk", tenant=tenant, **claims)
    user = _signed_in_as(client)
    assert user is not None and user.email == "r.shah@oakfield.sch.uk"
    assert user.emailaddress_set.get().verified
    via.join_school(client, people["school_a"])
    assert via.membership(user, people["school_a"]).is_teacher


def test_an_id_token_issued_to_another_app_vouches_for_nothing(people, microsoft, monkeypatch):
    monkeypatch.setattr("tests.security.test_microsoft_takeover.CLIENT_ID", "another-app")
    client = Client()
    microsoft(client, "r.shah@oakfield.sch.uk", tenant=SCHOOLS_TENANT)
    user = User.objects.get(email="r.shah@oakfield.sch.uk")
    assert not user.emailaddress_set.get().verified
