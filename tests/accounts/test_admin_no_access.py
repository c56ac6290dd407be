"""Issue 22: a signed-in teacher who opened /admin/ was sent back and forth between the admin
and the sign-in page for ever. They are now told, once, that the admin is not for them."""

from django.urls import reverse

from accounts import roles
from tests.factories import cast
from tests.factories.accounts import PASSWORD


def _sign_in(client, user):
    """Through allauth's sign-in form, as the teacher does."""
    page = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert page.status_code == 302, page.content[:300]


def test_a_teacher_who_opens_the_admin_is_told_it_is_not_for_them(client, people):
    _sign_in(client, people["teacher_a"])
    for path in ("/admin/", "/admin/pages/", "/admin/bookings/"):
        page = client.get(path)
        assert page.status_code == 403, (path, page.get("Location"))
        assert "You do not have access to the admin" in page.content.decode()
        assert people["teacher_a"].email in page.content.decode()


def test_a_cpd_lead_is_told_too_and_no_one_is_sent_round_in_a_loop(client, people):
    _sign_in(client, people["lead_a"])
    page = client.get("/admin/", follow=True)
    assert page.status_code == 403 and len(page.redirect_chain) == 0


def test_someone_not_signed_in_is_still_sent_to_sign_in(client, db):
    page = client.get("/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("account_login"))


def test_staff_still_reach_the_admin(client, people):
    client.force_login(cast.officer(roles.MARKETING))
    assert client.get("/admin/").status_code == 200
    client.force_login(people["staff"])
    assert client.get("/admin/pages/").status_code == 200
