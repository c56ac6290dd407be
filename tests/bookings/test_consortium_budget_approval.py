"""A consortium's leads approve spending from its shared budget (issue 19, item 1). Driven
through the pages people use: the consortium's budget rules, the booking form, the CPD lead's
and the consortium lead's decisions, and the consortium lead's list.

Oakfield (school A) is in the Haverleigh Schools Consortium (group_people) and has no prepaid
credit of its own. The course is VAT-exempt at £200.00 a place, and Oakfield pays the list
price, so a place costs £200.00 in all; the partnership budget holds £500.00, so one place paid
from it leaves £500.00 - £200.00 = £300.00."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Consortium
from billing import services as billing
from billing.models import Account, CreditEntry
from bookings import services
from bookings.models import Enrolment
from tests import people as how
from tests.factories import accounts, courses
from tests.security.booked import signed_in

TOM, LEAD = "teacher@oakfield.sch.uk", "cpdlead@oakfield.sch.uk"
PARTNER = "lead@haverleigh-consortium.org.uk"
OTHER_PARTNER = "lead@northwich-partnership.org.uk"
D = Decimal


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def partnership(people, group_people):
    """The consortium's budget holds £500.00; a second consortium (Riverside's) has its own
    lead, added in Wagtail's admin as the product does."""
    consortium = group_people["consortium"]
    budget = Account.objects.create(
        consortium=consortium,
        kind=Account.Kind.CONSORTIUM,
        contact_name="Partnership manager",
        contact_email="partnership@haverleigh-consortium.org.uk",
        address_line_1="1 Kingsway",
        town="Haverleigh",
        postcode="HV2 4RD",
    )
    billing.adjust_credit(budget, D("500.00"), reason="Partnership pot", by=None)
    other = Consortium.objects.create(name="Northwich Partnership")
    other.schools.add(people["school_b"])
    other_lead = accounts.user(OTHER_PARTNER, first_name="Olu", last_name="Other")
    how.add_consortium_lead_in_wagtail(how.superuser_client(Client), other_lead, other)
    assert billing.credit_balance(billing.school_account(people["school_a"])) == 0
    return consortium, budget


def _rules(client, consortium, *schools, need="on"):
    data = {"drawing_schools": [s.pk for s in schools]}
    if need:
        data["budget_needs_approval"] = need
    return client.post(f"/account/consortium/{consortium.pk}/budget/", data)


def _exempt_run():
    return courses.run(courses.course(vat_treatment="exempt"), capacity=5)


def _ask(run, people):
    """Tom books himself on the booking form; Oakfield asks its CPD lead first."""
    tom = people["teacher_a"]
    response = signed_in(TOM).post(
        f"/book/{run.pk}/details/",
        {"school": people["school_a"].pk, "delegate": tom.pk, "terms": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    return Enrolment.objects.get(run=run, delegate=tom, status="pending_approval")


def _decide(client, place, decision, reason=""):
    return client.post(
        f"/bookings/place/{place.pk}/decide/", {"decision": decision, "reason": reason}
    )


def _drawn(place):
    return list(
        CreditEntry.objects.filter(enrolment=place, kind="draw").values_list("account", "amount")
    )


def test_the_budget_is_drawn_only_once_a_consortium_lead_approves(people, partnership, commit):
    consortium, budget = partnership
    partner = signed_in(PARTNER)
    assert _rules(partner, consortium, people["school_a"])["Location"] == (
        f"/account/consortium/{consortium.pk}/"
    )
    consortium.refresh_from_db()
    assert consortium.budget_needs_approval
    run = _exempt_run()
    title = run.course.title
    place = _ask(run, people)
    mail.outbox.clear()
    with commit():
        assert _decide(signed_in(LEAD), place, "approve").status_code == 302
    place.refresh_from_db()
    # After the school's stage, the consortium's: held afresh, nothing drawn yet.
    assert (place.status, place.approval_stage, place.approval_consortium) == (
        "pending_approval",
        "consortium",
        consortium,
    )
    assert place.approval_expires_at > timezone.now()
    assert billing.credit_balance(budget) == D("500.00") and _drawn(place) == []
    asked = [m for m in mail.outbox if PARTNER in m.to]
    assert [m.subject for m in asked] == [f"[CPD] Please approve the spend: {title}"]
    assert "/bookings/consortium-approvals/" in asked[0].body
    assert [m.subject for m in mail.outbox if m.to == [TOM]] == [
        f"[CPD] Waiting for the partnership budget: {title}"
    ]

    # The lead finds it from their account page, and approves it from their list.
    assert "/bookings/consortium-approvals/" in partner.get("/account/").content.decode()
    waiting = partner.get("/bookings/consortium-approvals/").content.decode()
    assert f"/bookings/place/{place.pk}/decide/" in waiting and "£200.00 before VAT" in waiting
    mail.outbox.clear()
    with commit():
        response = partner.post(
            f"/bookings/place/{place.pk}/decide/",
            {"decision": "approve", "next": "/bookings/consortium-approvals/"},
        )
    assert response["Location"] == "/bookings/consortium-approvals/"
    place.refresh_from_db()
    assert (place.status, place.approval_stage, place.budget_approved) == ("confirmed", "", True)
    # £500.00 - £200.00, drawn once.
    assert billing.credit_balance(budget) == D("300.00")
    assert _drawn(place) == [(budget.pk, D("-200.00"))]
    assert sorted(m.subject for m in mail.outbox if m.to == [TOM]) == [
        f"[CPD] Approved: {title}",
        f"[CPD] Booked: {title}",
    ]
    # Saving the place again (a colleague sent instead, say) draws nothing more.
    place.save()
    assert billing.credit_balance(budget) == D("300.00")
    assert (
        f"/bookings/place/{place.pk}/"
        not in partner.get("/bookings/consortium-approvals/").content.decode()
    )


def test_a_decline_needs_a_reason_then_the_place_stands_and_the_school_pays(
    people, partnership, commit
):
    consortium, budget = partnership
    _rules(signed_in(PARTNER), consortium, people["school_a"])
    run = _exempt_run()
    # The CPD lead books a colleague: no school stage, straight to the consortium's lead.
    lead = signed_in(LEAD)
    response = lead.post(
        f"/book/{run.pk}/details/",
        {"school": people["school_a"].pk, "delegate": people["teacher_a"].pk, "terms": "on"},
    )
    assert response.status_code == 302
    place = Enrolment.objects.get(run=run, delegate=people["teacher_a"])
    assert (place.status, place.approval_stage) == ("pending_approval", "consortium")
    page = lead.get(response["Location"]).content.decode()
    assert "asked your consortium&#x27;s lead to approve paying from its shared budget" in page
    assert "Waiting for your consortium's lead to approve paying" in page

    partner = signed_in(PARTNER)
    refused = _decide(partner, place, "decline", reason="   ")
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "There is a problem" in page and "Give a reason for declining" in page
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "consortium")

    mail.outbox.clear()
    with commit():
        assert _decide(partner, place, "decline", reason="Pot kept for SEND").status_code == 302
    place.refresh_from_db()
    assert (place.status, place.budget_approved) == ("confirmed", False)
    assert place.events.last().note == "Budget declined by consortium lead: Pot kept for SEND"
    assert billing.credit_balance(budget) == D("500.00") and _drawn(place) == []
    (told,) = [m for m in mail.outbox if m.subject.startswith("[CPD] Partnership budget not used")]
    assert TOM in told.to and LEAD in told.to
    assert "Their reason: “Pot kept for SEND”" in told.body
    assert "will be invoiced for it" in told.body
    # A later save of the confirmed place still never draws the budget.
    place.save()
    assert billing.credit_balance(budget) == D("500.00")


def test_a_lead_of_another_consortium_is_not_found_and_changes_nothing(people, partnership, commit):
    consortium, budget = partnership
    _rules(signed_in(PARTNER), consortium, people["school_a"])
    place = _ask(_exempt_run(), people)
    _decide(signed_in(LEAD), place, "approve")
    other = signed_in(OTHER_PARTNER)
    assert other.get(f"/bookings/place/{place.pk}/decide/").status_code == 404
    assert _decide(other, place, "approve").status_code == 404
    assert (
        f"/bookings/place/{place.pk}/"
        not in other.get("/bookings/consortium-approvals/").content.decode()
    )
    # Nor may the school's own lead take the consortium's decision.
    with pytest.raises(services.BookingRefused, match="waits for Haverleigh Schools Consortium"):
        services.decide_enrolment(place.pk, by=people["lead_a"], approve=True)
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "consortium")
    assert billing.credit_balance(budget) == D("500.00")


def test_a_school_outside_the_consortium_cannot_be_given_the_budget(people, partnership):
    consortium, _ = partnership
    response = _rules(signed_in(PARTNER), consortium, people["school_a"], people["school_b"])
    assert response.status_code == 400
    assert "Choose from the consortium&#x27;s member schools" in response.content.decode()
    consortium.refresh_from_db()
    assert not consortium.budget_needs_approval
    assert not consortium.budget_closed_to.exists()
    from accounts import groups
    from accounts.services import AccountsError

    with pytest.raises(AccountsError, match="member schools"):
        groups.set_consortium_budget_rules(
            consortium.pk,
            by=people["staff"],
            needs_approval=True,
            drawing_schools=[people["school_b"].pk],
        )
    consortium.refresh_from_db()
    assert not consortium.budget_needs_approval


def test_a_school_closed_to_the_budget_is_not_asked_about_and_pays_itself(
    people, partnership, commit
):
    consortium, budget = partnership
    _rules(signed_in(PARTNER), consortium)  # approval on, but no school ticked
    assert list(consortium.budget_closed_to.all()) == [people["school_a"]]
    place = _ask(_exempt_run(), people)
    _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("confirmed", "")
    assert billing.credit_balance(budget) == D("500.00") and _drawn(place) == []


def test_without_approval_the_budget_pays_at_once(people, partnership):
    consortium, budget = partnership
    assert not consortium.budget_needs_approval
    place = _ask(_exempt_run(), people)
    _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    assert place.status == "confirmed"
    assert billing.credit_balance(budget) == D("300.00")


def test_an_undecided_budget_request_expires_into_a_place_the_school_pays(
    people, partnership, commit
):
    consortium, budget = partnership
    _rules(signed_in(PARTNER), consortium, people["school_a"])
    place = _ask(_exempt_run(), people)
    _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    mail.outbox.clear()
    with commit():
        assert services.expire_approvals(now=place.approval_expires_at) == 1
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("confirmed", "")
    assert place.events.last().note == "Budget approval expired (waiting for consortium lead)"
    assert billing.credit_balance(budget) == D("500.00") and _drawn(place) == []
    (told,) = [m for m in mail.outbox if m.subject.startswith("[CPD] Partnership budget not used")]
    assert "did not decide in time" in told.body
