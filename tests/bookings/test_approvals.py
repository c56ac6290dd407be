"""Two-stage approval (issue 19): above the school's spend limit a place the CPD lead approved
waits for the school's finance contact, each stage holding it for its own time. Driven through
the pages people use: the lead's approval rules, the booking form, the school's bookings, the
finance contact's list and the decision page.

The course is £200.00 a place (tests.factories.courses.course), and Oakfield pays the list
price, so each place is £200.00 before VAT: above a £150.00 limit, below a £250.00 one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services
from bookings.models import Enrolment, WaitingListEntry
from tests.factories import courses
from tests.security.booked import signed_in

TOM, LEAD, FRANK = "teacher@oakfield.sch.uk", "cpdlead@oakfield.sch.uk", "finance@oakfield.sch.uk"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit work a request queues (the emails, the waiting list) as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _rules(people, threshold, need_approval="on"):
    """The CPD lead sets Oakfield's approval rules on its page."""
    data = {"approval_spend_threshold": threshold}
    if need_approval:
        data["bookings_need_approval"] = need_approval
    return signed_in(LEAD).post(f"/account/school/{people['school_a'].pk}/approval-rules/", data)


def _ask(run, people, who=TOM, delegate="teacher_a", outcome=""):
    """A teacher books themself on the booking form: the request goes to the CPD lead."""
    person = people[delegate]
    response = signed_in(who).post(
        f"/book/{run.pk}/details/",
        {
            "school": people["school_a"].pk,
            "delegate": person.pk,
            "terms": "on",
            f"outcome-{person.pk}": outcome,
        },
    )
    assert response.status_code == 302, response.content[:500]
    return Enrolment.objects.get(run=run, delegate=person, status="pending_approval")


def _decide(client, place, decision, reason=""):
    return client.post(
        f"/bookings/place/{place.pk}/decide/", {"decision": decision, "reason": reason}
    )


def _subjects_to(address):
    return sorted(m.subject for m in mail.outbox if address in m.to)


def test_lead_then_finance_approve_and_the_place_is_confirmed(people, commit):
    assert _rules(people, "150").status_code == 302
    run = courses.run(capacity=3)
    title = run.course.title
    with commit():
        place = _ask(run, people, outcome="Use retrieval practice at the start of lessons")
    assert (place.approval_stage, place.price) == ("lead", Decimal("200.00"))
    assert place.intended_outcome == "Use retrieval practice at the start of lessons"
    assert _subjects_to(LEAD) == [f"[CPD] Please approve: {title}"]
    assert _subjects_to(TOM) == [f"[CPD] Waiting for approval: {title}"]

    lead = signed_in(LEAD)
    page = lead.get(f"/school/{people['school_a'].pk}/bookings/").content.decode()
    assert f"/bookings/place/{place.pk}/decide/" in page
    mail.outbox.clear()
    approved_at = timezone.now()
    with commit():
        assert _decide(lead, place, "approve").status_code == 302
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "finance")
    # The finance stage holds the place afresh, for FINANCE_APPROVAL_HOURS (72 by default).
    assert place.approval_expires_at >= approved_at + dt.timedelta(hours=72)
    assert _subjects_to(FRANK) == [f"[CPD] Please approve the spend: {title}"]
    assert _subjects_to(TOM) == [f"[CPD] Approved by your CPD lead: {title}"]
    assert _subjects_to(LEAD) == []
    booking_page = signed_in(TOM).get(f"/bookings/{place.booking.reference}/").content.decode()
    assert "Approved by your CPD lead, now with your school's finance contact" in booking_page

    frank = signed_in(FRANK)
    assert "/bookings/finance-approvals/" in frank.get("/account/").content.decode()
    waiting = frank.get("/bookings/finance-approvals/").content.decode()
    assert f"/bookings/place/{place.pk}/decide/" in waiting
    assert "Use retrieval practice" in waiting and "£200.00 before VAT" in waiting
    mail.outbox.clear()
    with commit():
        response = _decide(frank, place, "approve")
    assert response["Location"] == "/bookings/finance-approvals/"
    place.refresh_from_db()
    assert (place.status, place.approval_stage, place.approval_expires_at) == (
        "confirmed",
        "",
        None,
    )
    assert _subjects_to(TOM) == [f"[CPD] Approved: {title}", f"[CPD] Booked: {title}"]
    assert [e.note for e in place.events.all()] == [
        "Booked online",
        "Approved by CPD lead; waiting for finance approval",
        "Approved by finance",
    ]
    assert (
        f"/bookings/place/{place.pk}/"
        not in frank.get("/bookings/finance-approvals/").content.decode()
    )


def test_below_the_limit_the_leads_approval_is_enough(people, commit):
    _rules(people, "250.00")
    place = _ask(courses.run(capacity=3), people)
    with commit():
        _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("confirmed", "")
    assert _subjects_to(FRANK) == []


def test_without_a_limit_the_leads_approval_is_enough(people, commit):
    _rules(people, "")
    place = _ask(courses.run(capacity=3), people)
    _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    assert place.status == "confirmed"


def test_declining_needs_a_reason_and_the_teacher_is_sent_it(people, commit):
    _rules(people, "150")
    place = _ask(courses.run(capacity=3), people)
    lead = signed_in(LEAD)
    _decide(lead, place, "approve")
    frank = signed_in(FRANK)

    refused = _decide(frank, place, "decline", reason="   ")
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "There is a problem" in page and "Give a reason for declining" in page
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "finance")

    mail.outbox.clear()
    with commit():
        assert _decide(frank, place, "decline", reason="Over this term's budget").status_code == 302
    place.refresh_from_db()
    assert place.status == "cancelled" and place.approval_stage == ""
    assert place.events.last().note == "Declined by finance: Over this term's budget"
    (told,) = [m for m in mail.outbox if m.to == [TOM]]
    assert told.subject.startswith("[CPD] Not approved:")
    assert "Their reason: “Over this term's budget”" in told.body
    assert "finance contact did not approve" in told.body


def test_the_lead_declines_with_a_reason_too(people, commit):
    place = _ask(courses.run(capacity=3), people)  # the cast's Oakfield asks for approval
    lead = signed_in(LEAD)
    assert "There is a problem" in _decide(lead, place, "decline").content.decode()
    with commit():
        _decide(lead, place, "decline", reason="Not while you are on the trip")
    place.refresh_from_db()
    assert place.status == "cancelled"
    assert any("“Not while you are on the trip”" in m.body for m in mail.outbox if m.to == [TOM])


def test_nobody_decides_their_own_request(people, commit):
    """Frank is the finance contact and a teacher: his own request, once his CPD lead approves
    it, waits for a finance contact other than him (here none), never for his own say."""
    _rules(people, "150")
    place = _ask(courses.run(capacity=3), people, who=FRANK, delegate="finance_a")
    _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    assert place.approval_stage == "finance"
    frank = signed_in(FRANK)
    assert (
        f"/bookings/place/{place.pk}/"
        not in frank.get("/bookings/finance-approvals/").content.decode()
    )
    page = frank.get(f"/bookings/place/{place.pk}/decide/").content.decode()
    assert "This request is yours" in page and 'value="approve"' not in page
    assert "You cannot decide your own request" in _decide(frank, place, "approve").content.decode()
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "finance")
    assert not [m for m in mail.outbox if "Please approve the spend" in m.subject]


def test_the_lead_cannot_approve_the_money(people):
    _rules(people, "150")
    place = _ask(courses.run(capacity=3), people)
    lead = signed_in(LEAD)
    _decide(lead, place, "approve")
    page = _decide(lead, place, "approve").content.decode()
    assert "waits for Oakfield Primary School's finance contact" in page
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("pending_approval", "finance")


@pytest.mark.parametrize("stage", ["lead", "finance"])
def test_an_unanswered_request_expires_at_either_stage_and_the_waiting_list_moves(
    people, commit, staff_of, stage
):
    _rules(people, "150")
    run = courses.run(capacity=1)
    place = _ask(run, people)
    (next_in_line,) = staff_of(people["school_a"], 1)
    entry = services.join_waiting_list(
        run.pk, person=next_in_line, school=people["school_a"], added_by=next_in_line
    )
    if stage == "finance":
        _decide(signed_in(LEAD), place, "approve")
    place.refresh_from_db()
    held_until = place.approval_expires_at
    assert services.expire_approvals(now=held_until - dt.timedelta(minutes=1)) == 0
    mail.outbox.clear()
    with commit():
        assert services.expire_approvals(now=held_until) == 1
    place.refresh_from_db()
    assert (place.status, place.approval_stage) == ("cancelled", "")
    who = "CPD lead" if stage == "lead" else "finance contact"
    assert place.events.last().note == f"Approval request expired (waiting for {who})"
    assert any("in time, so it expired" in m.body for m in mail.outbox if m.to == [TOM])
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert services.expire_approvals(now=held_until + dt.timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    ("threshold", "error"),
    [
        ("-1", "Enter a spend limit of £0 or more"),
        ("lots", "Enter the spend limit as an amount in pounds"),
        ("12.345", "Enter the spend limit in pounds and pence"),
    ],
)
def test_a_bad_spend_limit_is_refused_and_nothing_is_saved(people, threshold, error):
    response = _rules(people, threshold)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and error in page
    people["school_a"].refresh_from_db()
    assert people["school_a"].approval_spend_threshold is None


def test_a_spend_limit_needs_the_leads_approval_on(people):
    response = _rules(people, "100", need_approval="")
    assert "A spend limit needs the CPD lead" in response.content.decode()
    people["school_a"].refresh_from_db()
    assert people["school_a"].approval_spend_threshold is None


def test_the_approval_rules_are_reached_from_the_school_page(people):
    lead = signed_in(LEAD)
    school = people["school_a"]
    assert (
        f"/account/school/{school.pk}/approval-rules/"
        in lead.get(f"/account/school/{school.pk}/").content.decode()
    )
    page = lead.get(f"/account/school/{school.pk}/approval-rules/").content.decode()
    assert "The price before VAT (net)" in page


def test_the_finance_list_needs_sign_in_and_shows_a_teacher_nothing(people, client):
    response = client.get("/bookings/finance-approvals/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    _rules(people, "150")
    place = _ask(courses.run(capacity=3), people)
    _decide(signed_in(LEAD), place, "approve")
    for who in (TOM, "teacher@riverside-academy.org.uk", LEAD):
        page = signed_in(who).get("/bookings/finance-approvals/").content.decode()
        assert f"/bookings/place/{place.pk}/decide/" not in page, who


def test_a_declined_request_reads_declined_not_cancelled_wherever_it_is_listed(people, commit):
    place = _ask(courses.run(capacity=3), people)
    cancelled = _ask(courses.run(capacity=3), people)
    with commit():
        _decide(signed_in(LEAD), place, "decline", reason="Not this term")
    # The teacher withdraws the other request themself: that one stays "Cancelled".
    signed_in(TOM).post(f"/bookings/place/{cancelled.pk}/cancel/", {"confirm": "on"})
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"

    def status_of(html, place):
        row = html.split(place.booking.reference)[0].rsplit("<tr>", 1)[1]
        return row.split('class="status status--cancelled">')[1].split("<")[0]

    mine = signed_in(TOM).get("/bookings/").content.decode()
    assert status_of(mine, place) == "Declined"
    assert status_of(mine, cancelled) == "Cancelled"
    school = people["school_a"].pk
    listed = signed_in(LEAD).get(f"/school/{school}/bookings/?when=all").content.decode()
    assert status_of(listed, place) == "Declined"
    assert status_of(listed, cancelled) == "Cancelled"
    detail = signed_in(TOM).get(f"/bookings/{place.booking.reference}/").content.decode()
    assert 'status--cancelled">Declined</span>' in detail
