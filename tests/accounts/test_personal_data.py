"""UK GDPR: a person can take their data away, and can leave."""

import pytest
from allauth.account.models import EmailAddress

from accounts import personal_data, services
from accounts.models import Membership, User
from tests.forms import assert_errors_are_clear


def test_download_holds_what_we_know_about_the_person(client, people):
    client.force_login(people["lead_a"])
    response = client.get("/account/data.json")
    assert response["Content-Disposition"] == 'attachment; filename="my-cpd-account-data.json"'
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["account"]["email"] == "cpdlead@oakfield.sch.uk"
    assert data["schools"][0]["name"] == "Oakfield Primary School"
    assert "cpd_lead" in data["schools"][0]["roles"]
    assert data["email_addresses"] == [
        {"email": "cpdlead@oakfield.sch.uk", "verified": True, "primary": True}
    ]


def test_closing_an_account_anonymises_it_and_signs_out(client, people, site):
    teacher = people["teacher_a"]
    client.force_login(teacher)
    response = client.post("/account/close/", {"email": "Teacher@Oakfield.sch.uk"}, follow=True)
    assert b"Your account is closed" in response.content
    teacher.refresh_from_db()
    assert teacher.closed_at is not None
    assert not teacher.is_active
    assert teacher.email.endswith("@invalid.example")
    assert teacher.first_name == "" and teacher.last_name == "Former user"
    assert not teacher.has_usable_password()
    assert not EmailAddress.objects.filter(user=teacher).exists()
    assert not Membership.objects.filter(user=teacher).exists()
    assert "_auth_user_id" not in client.session
    # The row stays, so bookings and invoices that point at it stay too.
    assert User.objects.filter(pk=teacher.pk).exists()


def test_the_address_is_free_again_after_closing(client, people):
    client.force_login(people["teacher_a"])
    client.post("/account/close/", {"email": "teacher@oakfield.sch.uk"})
    response = client.post(
        "/accounts/signup/",
        {
            "email": "teacher@oakfield.sch.uk",
            "password1": "Fresh-Start-2026",
            "password2": "Fresh-Start-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="teacher@oakfield.sch.uk", is_active=True).count() == 1


def test_closing_needs_the_right_email_typed(client, people):
    client.force_login(people["teacher_a"])
    response = client.post("/account/close/", {"email": "someone@else.example"})
    assert response.status_code == 200
    assert b"not the email address on this account" in response.content
    people["teacher_a"].refresh_from_db()
    assert people["teacher_a"].is_active and people["teacher_a"].closed_at is None


def test_an_empty_close_form_says_what_is_missing(client, people):
    client.force_login(people["teacher_a"])
    response = client.post("/account/close/", {})
    assert b"This field is required" in response.content
    people["teacher_a"].refresh_from_db()
    assert people["teacher_a"].is_active


def test_an_app_that_registers_is_in_the_download_and_erased_on_closing(
    client, people, monkeypatch
):
    erased = []
    monkeypatch.setitem(
        personal_data._holders,
        "library",
        personal_data.Holder(
            exporter=lambda user: {"loans": [f"lent to {user.email}"]},
            eraser=lambda user: erased.append(user.email),
        ),
    )
    client.force_login(people["teacher_a"])
    data = client.get("/account/data.json").json()
    assert data["loans"] == ["lent to teacher@oakfield.sch.uk"]
    client.post("/account/close/", {"email": "teacher@oakfield.sch.uk"})
    assert erased == ["teacher@oakfield.sch.uk"]  # erased before the details are blanked


def test_two_apps_cannot_export_the_same_section(people, monkeypatch):
    monkeypatch.setitem(
        personal_data._holders,
        "rogue",
        personal_data.Holder(exporter=lambda user: {"account": {}}, eraser=lambda user: None),
    )
    with pytest.raises(ValueError, match=r"rogue exports sections already exported: \['account'\]"):
        services.export_personal_data(people["teacher_a"])


def test_a_close_form_sent_back_says_what_is_wrong_and_where(client, people):
    client.force_login(people["teacher_a"])
    response = client.post("/account/close/", {"email": "someone@else.example"})
    soup = assert_errors_are_clear(response.content.decode())
    assert "id_email_error" in soup.find(id="id_email")["aria-describedby"].split()
