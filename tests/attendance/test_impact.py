"""Impact follow-ups: some weeks after the course, the delegate and their CPD lead say what
changed; sent once whatever the beat does, and the two answers shown side by side."""

import datetime as dt

import pytest
from django.core import mail

from bookings import attendance
from bookings.models import ImpactFollowUp
from bookings.services import BookingRefused


def _impact_mail():
    return [m for m in mail.outbox if "What changed" in m.subject]


def _weeks_after(enrolment, weeks):
    ends = max(s.ends_at for s in enrolment.run.sessions.all())
    return ends + dt.timedelta(weeks=weeks)


def test_the_follow_up_goes_once_to_the_delegate_and_their_cpd_lead_even_if_run_twice(
    attended, django_capture_on_commit_callbacks
):
    due = _weeks_after(attended, 6) + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.send_impact_follow_ups(now=due) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.send_impact_follow_ups(now=due) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.send_impact_follow_ups(now=due + dt.timedelta(days=1)) == 0
    assert sorted(m.to[0] for m in _impact_mail()) == [
        "cpdlead@oakfield.sch.uk",
        "teacher@oakfield.sch.uk",
    ]
    assert ImpactFollowUp.objects.filter(enrolment=attended).count() == 1
    follow_up = ImpactFollowUp.objects.get()
    from bookings import emails

    assert emails.impact_follow_up(follow_up.pk) == 0  # a re-delivered task sends nothing
    lead_mail = next(m for m in _impact_mail() if m.to == ["cpdlead@oakfield.sch.uk"])
    assert "Tom Teacher" in lead_mail.subject
    assert f"/bookings/place/{attended.pk}/impact/" in lead_mail.body


def test_nothing_goes_before_the_delay_and_the_delay_is_configurable(attended, settings):
    assert attendance.send_impact_follow_ups(now=_weeks_after(attended, 5)) == 0
    settings.IMPACT_FOLLOW_UP_DAYS = 14
    assert attendance.send_impact_follow_ups(now=_weeks_after(attended, 3)) == 1


def test_a_course_long_past_its_follow_up_date_is_not_chased(attended, settings):
    late = _weeks_after(attended, 6) + dt.timedelta(days=settings.IMPACT_FOLLOW_UP_GRACE_DAYS + 1)
    assert attendance.send_impact_follow_ups(now=late) == 0


def test_no_shows_get_no_follow_up(make_run, book, mark_all, people, facilitator):
    run = make_run(days_ago=(1,))
    frank = book(run, people["finance_a"])
    mark_all(run, {frank: False})
    attendance.close_register(run.pk, by=facilitator)
    assert attendance.send_impact_follow_ups(now=_weeks_after(frank, 7)) == 0


@pytest.fixture
def follow_up(attended):
    attendance.send_impact_follow_ups(now=_weeks_after(attended, 6) + dt.timedelta(hours=1))
    return ImpactFollowUp.objects.get(enrolment=attended)


def test_the_leads_answer_is_shown_beside_the_delegates(client, follow_up, people):
    place = follow_up.enrolment_id
    client.force_login(people["teacher_a"])
    client.post(f"/bookings/place/{place}/impact/", {"answer": "I pre-teach vocabulary now."})
    client.force_login(people["lead_a"])
    page = client.get(f"/bookings/place/{place}/impact/").content.decode()
    assert "What changed for Tom Teacher?" in page and "I pre-teach vocabulary now." in page
    response = client.post(f"/bookings/place/{place}/impact/", {"answer": "Pupils talk more."})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.lead_answered_by == people["lead_a"]
    client.force_login(people["teacher_a"])
    record = client.get("/my-cpd/").content.decode()
    mine, theirs = record.index("I pre-teach vocabulary now."), record.index("Pupils talk more.")
    assert 0 < theirs - mine < 600  # side by side, in the same course's entry
    client.force_login(people["lead_a"])
    school = client.get(f"/school/{people['school_a'].pk}/cpd/?year=all").content.decode()
    assert "I pre-teach vocabulary now." in school and "Pupils talk more." in school


def test_a_blank_answer_is_refused_and_nothing_is_saved(client, follow_up, people):
    client.force_login(people["teacher_a"])
    response = client.post(f"/bookings/place/{follow_up.enrolment_id}/impact/", {"answer": " "})
    assert "Write what changed" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.delegate_answer == "" and follow_up.delegate_answered_at is None
    with pytest.raises(BookingRefused):
        attendance.answer_impact(follow_up.enrolment_id, by=people["teacher_a"], answer="")


def test_only_the_delegate_and_their_schools_managers_answer(client, follow_up, people):
    url = f"/bookings/place/{follow_up.enrolment_id}/impact/"
    for who in ("finance_a", "teacher_b", "staff"):  # the CPD team reads, never answers
        client.force_login(people[who])
        assert client.post(url, {"answer": "Mine"}).status_code == 404, who
    follow_up.refresh_from_db()
    assert (follow_up.delegate_answer, follow_up.lead_answer) == ("", "")
    client.force_login(people["head_a"])  # a manager of the school, as its CPD lead is
    assert client.post(url, {"answer": "Assemblies changed"}).status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.lead_answer, follow_up.lead_answered_by) == (
        "Assemblies changed",
        people["head_a"],
    )


def test_a_trust_cpd_lead_answers_for_a_school_in_the_trust_a_consortium_lead_cannot(
    client, follow_up, people, group_people
):
    """Oakfield is in Haverleigh Learning Trust and Haverleigh Schools Consortium: the trust's
    CPD lead answers as Oakfield's own lead would; the consortium's lead, who oversees, and
    another trust's lead are answered 404 and change nothing."""
    url = f"/bookings/place/{follow_up.enrolment_id}/impact/"
    record = f"/school/{people['school_a'].pk}/cpd/?year=all"
    client.force_login(group_people["consortium_lead"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "Overseen"}).status_code == 404
    assert url not in client.get(record).content.decode()  # sees the record, no answer link
    client.force_login(group_people["other_trust_lead"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "Not mine"}).status_code == 404
    follow_up.refresh_from_db()
    assert (follow_up.lead_answer, follow_up.lead_answered_by) == ("", None)

    trust_lead = group_people["trust_lead"]
    client.force_login(trust_lead)
    assert f'href="{url}"' in client.get(record).content.decode()  # "Add your view"
    page = client.get(url).content.decode()
    assert "What changed for Tom Teacher?" in page
    assert 'name="outcome_progress"' not in page  # the delegate's scale is theirs alone
    response = client.post(url, {"answer": "Trust-wide phonics is landing."})
    assert response.status_code == 302
    assert response["Location"] == f"/school/{people['school_a'].pk}/cpd/"
    follow_up.refresh_from_db()
    assert (follow_up.lead_answer, follow_up.lead_answered_by) == (
        "Trust-wide phonics is landing.",
        trust_lead,
    )
    assert follow_up.delegate_answer == ""  # answering as lead never writes the delegate's
