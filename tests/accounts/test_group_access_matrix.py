"""Owner-only access for the trust and consortium pages, and for the school pages a trust or
consortium role opens. Callers: anonymous, teacher and CPD lead of Oakfield (school A, in
Haverleigh Learning Trust and Haverleigh Schools Consortium), Haverleigh's trust CPD lead, the
lead of another trust (Riverside's), the consortium's lead, and service staff. Anyone not
allowed gets a 404; anonymous callers are sent to sign in."""

import pytest

from accounts.models import ConsortiumMembership, TrustMembership

CALLERS = [
    "anonymous",
    "teacher_a",
    "lead_a",
    "trust_lead",
    "other_trust_lead",
    "consortium_lead",
    "staff",
]


@pytest.fixture
def everyone(people, group_people, make_user):
    second_lead = make_user("second@haverleigh-consortium.org.uk")
    ConsortiumMembership.objects.create(user=second_lead, consortium=group_people["consortium"])
    return {
        **people,
        **group_people,
        "second_consortium_lead": ConsortiumMembership.objects.get(user=second_lead),
        "other_trust_member": TrustMembership.objects.get(user=group_people["other_trust_lead"]),
    }


def _targets(o):
    t, c, a, b = o["trust"].pk, o["consortium"].pk, o["school_a"].pk, o["school_b"].pk
    finance = o["trust_finance_membership"].pk
    new_person = {"email": "new@haverleigh-trust.org.uk", "first_name": "Nia", "last_name": "New"}
    return {
        # name: (method, url, data, who may, where an allowed POST lands)
        "trust page": ("get", f"/account/trust/{t}/", None, {"trust_lead", "staff"}, None),
        "add to trust": (
            "post",
            f"/account/trust/{t}/",
            {**new_person, "roles": ["finance"]},
            {"trust_lead", "staff"},
            f"/account/trust/{t}/",
        ),
        "change trust roles": (
            "post",
            f"/account/trust/{t}/people/{finance}/roles/",
            {"roles": ["finance"]},
            {"trust_lead", "staff"},
            f"/account/trust/{t}/",
        ),
        "remove from trust": (
            "post",
            f"/account/trust/{t}/people/{finance}/remove/",
            {},
            {"trust_lead", "staff"},
            f"/account/trust/{t}/",
        ),
        # Another trust's person addressed through this trust: never found.
        "other trust's person via this trust": (
            "post",
            f"/account/trust/{t}/people/{o['other_trust_member'].pk}/remove/",
            {},
            set(),
            None,
        ),
        "unknown trust": ("get", "/account/trust/987654321/", None, set(), None),
        "consortium page": (
            "get",
            f"/account/consortium/{c}/",
            None,
            {"consortium_lead", "staff"},
            None,
        ),
        "add consortium lead": (
            "post",
            f"/account/consortium/{c}/",
            new_person,
            {"consortium_lead", "staff"},
            f"/account/consortium/{c}/",
        ),
        "remove consortium lead": (
            "post",
            f"/account/consortium/{c}/leads/{o['second_consortium_lead'].pk}/remove/",
            {},
            {"consortium_lead", "staff"},
            f"/account/consortium/{c}/",
        ),
        "consortium budget rules": (
            "get",
            f"/account/consortium/{c}/budget/",
            None,
            {"consortium_lead", "staff"},
            None,
        ),
        "set consortium budget rules": (
            "post",
            f"/account/consortium/{c}/budget/",
            {"budget_needs_approval": "on", "drawing_schools": [a]},
            {"consortium_lead", "staff"},
            f"/account/consortium/{c}/",
        ),
        "unknown consortium": ("get", "/account/consortium/987654321/", None, set(), None),
        # The school pages a group role opens, and one it does not.
        "member school's bookings": (
            "get",
            f"/school/{a}/bookings/",
            None,
            {"lead_a", "trust_lead", "consortium_lead", "staff"},
            None,
        ),
        "member school's CPD record": (
            "get",
            f"/school/{a}/cpd/",
            None,
            {"lead_a", "trust_lead", "consortium_lead", "staff"},
            None,
        ),
        "member school's staff page": (
            "get",
            f"/account/school/{a}/",
            None,
            {"lead_a", "trust_lead", "staff"},
            None,
        ),
        "school outside the trust": (
            "get",
            f"/school/{b}/bookings/",
            None,
            {"other_trust_lead", "staff"},
            None,
        ),
    }


TARGET_NAMES = [
    "trust page",
    "add to trust",
    "change trust roles",
    "remove from trust",
    "other trust's person via this trust",
    "unknown trust",
    "consortium page",
    "add consortium lead",
    "remove consortium lead",
    "consortium budget rules",
    "set consortium budget rules",
    "unknown consortium",
    "member school's bookings",
    "member school's CPD record",
    "member school's staff page",
    "school outside the trust",
]

GROUP_URLS = {
    "trust_dashboard",
    "update_trust_roles",
    "remove_from_trust",
    "consortium_dashboard",
    "consortium_budget",
    "remove_consortium_lead",
}


def test_the_matrix_covers_every_trust_and_consortium_url(everyone):
    from django.urls import resolve

    from accounts import urls

    targets = _targets(everyone)
    assert set(targets) == set(TARGET_NAMES)
    names = {p.name for p in urls.urlpatterns}
    assert {n for n in names if "trust" in n or "consortium" in n} == GROUP_URLS
    assert {resolve(t[1]).url_name for t in targets.values()} >= GROUP_URLS


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_group_access_matrix(client, everyone, caller, target):
    method, url, data, allowed, lands = _targets(everyone)[target]
    if caller != "anonymous":
        client.force_login(everyone[caller])
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code == (302 if method == "post" else 200), response.status_code
        if method == "post":
            assert response["Location"] == lands
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "caller", ["teacher_a", "lead_a", "other_trust_lead", "consortium_lead", "trust_finance"]
)
def test_refused_callers_change_no_trust_people(client, everyone, caller):
    client.force_login(everyone[caller])
    for method, url, data, allowed, _ in _targets(everyone).values():
        if method == "post" and "/trust/" in url:
            assert client.post(url, data).status_code == 404
    finance = TrustMembership.objects.get(pk=everyone["trust_finance_membership"].pk)
    assert finance.roles == ["finance"]
    assert not TrustMembership.objects.filter(user__email="new@haverleigh-trust.org.uk").exists()


@pytest.mark.parametrize("caller", ["teacher_a", "lead_a", "trust_lead", "other_trust_lead"])
def test_refused_callers_change_no_consortium_leads(client, everyone, caller):
    client.force_login(everyone[caller])
    for method, url, data, allowed, _ in _targets(everyone).values():
        if method == "post" and "/consortium/" in url:
            assert client.post(url, data).status_code == 404
    assert ConsortiumMembership.objects.filter(consortium=everyone["consortium"]).count() == 2
    consortium = everyone["consortium"]
    consortium.refresh_from_db()
    assert not consortium.budget_needs_approval
