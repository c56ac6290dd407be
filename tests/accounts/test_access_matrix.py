"""Owner-only access for every URL that takes an object id or token.

Callers: anonymous, teacher of school A, CPD lead of A, finance contact of A, teacher of school B,
and service staff. Anyone not allowed gets a 404 (not 403), so ids reveal nothing. Anonymous
callers are sent to sign in. Later issues add their URLs to TARGETS."""

import pytest

from accounts import services
from accounts.models import JoinRequest, Membership, School

CALLERS = ["anonymous", "teacher_a", "lead_a", "finance_a", "teacher_b", "staff"]


@pytest.fixture
def objects(people, make_user):
    school_a = people["school_a"]
    asker = make_user("asker@elsewhere.example")
    return {
        "school_a": school_a,
        "join_request": services.request_to_join(asker, school_a).request,
        "teacher_membership": Membership.objects.get(user=people["teacher_a"]),
        "member_of_b": Membership.objects.get(user=people["teacher_b"]),
    }


def _targets(o):
    a = o["school_a"].pk
    return {
        # name: (method, url, data, who may)
        "school dashboard": ("get", f"/account/school/{a}/", None, {"lead_a", "staff"}),
        "decide join request": (
            "post",
            f"/account/school/{a}/requests/{o['join_request'].pk}/",
            {"decision": "decline"},
            {"lead_a", "staff"},
        ),
        "change roles": (
            "post",
            f"/account/school/{a}/staff/{o['teacher_membership'].pk}/roles/",
            {"roles": ["teacher"]},
            {"lead_a", "staff"},
        ),
        "remove member": (
            "post",
            f"/account/school/{a}/staff/{o['teacher_membership'].pk}/remove/",
            {},
            {"lead_a", "staff"},
        ),
        # Someone else's membership addressed through school A: never found, even for A's lead.
        "other school's member via A": (
            "post",
            f"/account/school/{a}/staff/{o['member_of_b'].pk}/roles/",
            {"roles": ["teacher"]},
            set(),
        ),
        "unknown school": ("get", "/account/school/987654321/", None, set()),
        "approval rules page": (
            "get",
            f"/account/school/{a}/approval-rules/",
            None,
            {"lead_a", "staff"},
        ),
        "set approval rules": (
            "post",
            f"/account/school/{a}/approval-rules/",
            {"bookings_need_approval": "on", "approval_spend_threshold": "1.00"},
            {"lead_a", "staff"},
        ),
    }


TARGET_NAMES = [
    "school dashboard",
    "decide join request",
    "change roles",
    "remove member",
    "other school's member via A",
    "unknown school",
    "approval rules page",
    "set approval rules",
]


def test_the_matrix_covers_every_url_that_takes_an_id(objects):
    """A new id-taking URL in accounts/ must be added to the matrix, or this fails."""
    from django.urls import resolve

    from accounts import urls

    targets = _targets(objects)
    assert set(targets) == set(TARGET_NAMES)
    # Joining takes a school id but is open to every signed-in person, by design. Trust and
    # consortium pages have their own matrix (test_group_access_matrix.py).
    with_ids = {p.name for p in urls.urlpatterns if "<" in str(p.pattern)} - {"join_school"}
    with_ids = {n for n in with_ids if "trust" not in n and "consortium" not in n}
    covered = {resolve(url).url_name for _, url, _, _ in targets.values()}
    assert with_ids <= covered, f"not in the access matrix: {with_ids - covered}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_access_matrix(client, people, objects, caller, target):
    method, url, data, allowed = _targets(objects)[target]
    if caller != "anonymous":
        client.force_login(people[caller])
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert response["Location"] == f"/account/school/{objects['school_a'].pk}/"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("caller", ["teacher_a", "finance_a", "teacher_b"])
def test_refused_callers_change_nothing(client, people, objects, caller):
    client.force_login(people[caller])
    for method, url, data, allowed in _targets(objects).values():
        if method == "post":
            client.post(url, data)
    assert JoinRequest.objects.get(pk=objects["join_request"].pk).status == "pending"
    assert Membership.objects.filter(pk=objects["teacher_membership"].pk).exists()
    assert School.objects.get(pk=objects["school_a"].pk).approval_spend_threshold is None


def test_a_headteacher_manages_their_own_school_only(client, people, objects):
    client.force_login(people["head_a"])
    assert client.get(f"/account/school/{objects['school_a'].pk}/").status_code == 200
    assert client.get(f"/account/school/{people['school_b'].pk}/").status_code == 404


def test_personal_pages_show_only_the_signed_in_person(client, people):
    client.force_login(people["teacher_b"])
    html = client.get("/account/").content.decode()
    assert "Riverside Academy" in html and "Oakfield" not in html
    data = client.get("/account/data.json").json()
    assert data["account"]["email"] == "teacher@riverside-academy.org.uk"
    assert [s["name"] for s in data["schools"]] == ["Riverside Academy"]


@pytest.mark.parametrize(
    "url", ["/account/", "/account/data.json", "/account/close/", "/account/school/find/"]
)
def test_personal_pages_need_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
