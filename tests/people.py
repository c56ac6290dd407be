"""People made the way the product makes them, for tests written from an attacker's side.

Nothing here sets a flag on a model: staff are added through Wagtail's *Users → Add user*
by a superuser, teachers sign up through allauth and follow the emailed confirmation link,
and school roles come from the join-a-school flow and the school page's role form. Each
helper takes a Django test `Client` and posts exactly what a browser would."""

import re

from django.core import mail

from accounts.models import ConsortiumMembership, Membership, TrustMembership, User
from tests.factories.accounts import PASSWORD as CAST_PASSWORD

PASSWORD = "Correct-Horse-Battery-2026"


def sign_in(client, email, password=PASSWORD):
    """allauth's sign-in form; returns the response (302 on success)."""
    return client.post("/accounts/login/", {"login": email, "password": password})


def first_sign_in(client, email, password=PASSWORD):
    """Someone added by staff signs in for the first time: allauth emails a confirmation link
    (the address was never verified), they follow it and are signed in."""
    sent = len(mail.outbox)
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.content[:2000]
    if response["Location"].startswith("/accounts/confirm-email/"):
        _follow_confirmation_link(client, sent, email)
    return response


def _follow_confirmation_link(client, sent, email):
    body = "\n".join(m.body for m in mail.outbox[sent:])
    link = re.search(r"https?://[^\s/]+(/accounts/confirm-email/[^\s]+/)", body)
    assert link, f"no confirmation link mailed to {email}"
    assert client.post(link.group(1)).status_code == 302


def sign_up(client, email, password=PASSWORD):
    """allauth sign-up, then the confirmation link from the email. Leaves `client` signed in
    as the new person (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION) and returns them."""
    sent = len(mail.outbox)
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )
    assert response.status_code == 302, response.content[:2000]
    _follow_confirmation_link(client, sent, email)
    return User.objects.get(email=email.lower())


def add_staff_in_wagtail(admin_client, email, *groups, password=PASSWORD, superuser=False):
    """*Settings → Users → Add user* in Wagtail's admin, as `admin_client` (a signed-in
    superuser) would fill it in, ticking the named staff groups."""
    from django.contrib.auth.models import Group

    data = {
        "email": email,
        "first_name": "Staff",
        "last_name": email.split("@")[0].title(),
        "password1": password,
        "password2": password,
        "groups": [Group.objects.get(name=g).pk for g in groups],
    }
    if superuser:
        data["is_superuser"] = "on"
    response = admin_client.post("/admin/users/new/", data)
    assert response.status_code == 302, _form_errors(response)
    return User.objects.get(email=email.lower())


def superuser_client(client_class):
    """A client signed in through allauth as the superuser admin@example.gov.uk (the `people`
    fixture's "staff", or the demo's; both have the cast's password). Call it while
    ADMIN_MFA_REQUIRED is off (as in the test settings): that superuser has no authenticator."""
    client = client_class()
    assert sign_in(client, "admin@example.gov.uk", CAST_PASSWORD).status_code == 302
    return client


def join_school(client, school):
    """*Find your school → Join*: at once on the school's domain, otherwise a join request."""
    return client.post(f"/account/school/{school.pk}/join/")


def decide_join_request(client, school, join_request, decision="approve"):
    return client.post(
        f"/account/school/{school.pk}/requests/{join_request.pk}/", {"decision": decision}
    )


def set_roles(client, membership, *roles):
    """The school page's role form, posted by whoever `client` is signed in as."""
    return client.post(
        f"/account/school/{membership.school_id}/staff/{membership.pk}/roles/",
        {"roles": list(roles)},
    )


def add_trust_person_in_wagtail(admin_client, person, trust, *roles):
    """*Schools → People at trusts → Add* in Wagtail's admin, ticking the trust-wide roles
    ("cpd_lead", "finance"): how service staff give a trust its first CPD lead."""
    data = {"user": person.pk, "trust": trust.pk, **{f"is_{role}": "on" for role in roles}}
    response = admin_client.post("/admin/trust-memberships/new/", data)
    assert response.status_code == 302, _form_errors(response)
    return TrustMembership.objects.get(user=person, trust=trust)


def add_consortium_lead_in_wagtail(admin_client, person, consortium):
    """*Schools → Consortium leads → Add* in Wagtail's admin."""
    data = {"user": person.pk, "consortium": consortium.pk}
    response = admin_client.post("/admin/consortium-leads/new/", data)
    assert response.status_code == 302, _form_errors(response)
    return ConsortiumMembership.objects.get(user=person, consortium=consortium)


def add_to_trust(client, trust, email, *roles, first_name="", last_name=""):
    """The trust page's *Add someone to act for the trust* form."""
    data = {"email": email, "first_name": first_name, "last_name": last_name, "roles": roles}
    return client.post(f"/account/trust/{trust.pk}/", data)


def set_trust_roles(client, trust_membership, *roles):
    return client.post(
        f"/account/trust/{trust_membership.trust_id}/people/{trust_membership.pk}/roles/",
        {"roles": list(roles)},
    )


def membership(user, school):
    return Membership.objects.filter(user=user, school=school).first()


def _form_errors(response):
    context = getattr(response, "context", None)
    form = context.get("form") if context else None
    return form.errors if form is not None else response.status_code


def set_up_authenticator(client, password=PASSWORD):
    """*Set up an authenticator app* on allauth's page, typing the current code for the secret
    it offers, as the person's phone would. Returns the secret for later codes."""
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before a security change
        client.post(page["Location"], {"password": password})
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content[:2000]
    return secret


def totp_code(secret):
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
