"""What a teacher wants to change in their practice (issue 19): said at booking, asked about in
the evaluation and the impact follow-up, shown to the school's CPD lead against what was
reported, and the person's own data (in their download, gone when they close their account)."""

import csv
import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader

from bookings import attendance
from bookings.models import Enrolment, Evaluation
from courses.models import Session
from tests.factories import courses
from tests.security.booked import signed_in

WANT = "Use retrieval quizzes to start every maths lesson"


@pytest.fixture
def attended(people):
    """Tom books himself through the booking form, saying what he wants to change; the course
    then happens (moved into the past), he attends, and the register is closed."""
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    run = courses.run(capacity=5)
    tom = signed_in("teacher@oakfield.sch.uk")
    response = tom.post(
        f"/book/{run.pk}/details/",
        {
            "school": school.pk,
            "delegate": people["teacher_a"].pk,
            "terms": "on",
            f"outcome-{people['teacher_a'].pk}": f"  {WANT}  ",
        },
    )
    assert response.status_code == 302
    place = Enrolment.objects.get(run=run, delegate=people["teacher_a"])
    assert place.intended_outcome == WANT
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for session in Session.objects.filter(run=run):
        Session.objects.filter(pk=session.pk).update(
            starts_at=start, ends_at=start + dt.timedelta(hours=3)
        )
    for session in run.sessions.all():
        attendance.mark_attendance(session.pk, place.pk, present=True, by=people["staff"])
    attendance.close_register(run.pk, by=people["staff"], notify=False)
    place.refresh_from_db()
    assert place.status == "attended"
    return tom, place


def test_the_booking_form_asks_each_delegate_what_they_want_to_change(people, open_run):
    lead = signed_in("cpdlead@oakfield.sch.uk")
    tom, frank = people["teacher_a"], people["finance_a"]
    page = lead.post(
        f"/book/{open_run.pk}/details/",
        {"school": people["school_a"].pk, "delegate": [tom.pk, frank.pk]},
    ).content.decode()
    assert "What Tom Teacher wants to change in their practice (optional)" in page
    assert "What Frank Finance wants to change in their practice (optional)" in page
    too_long = lead.post(
        f"/book/{open_run.pk}/details/",
        {
            "school": people["school_a"].pk,
            "delegate": tom.pk,
            "terms": "on",
            f"outcome-{tom.pk}": "x" * 301,
        },
    )
    assert too_long.status_code == 200 and "There is a problem" in too_long.content.decode()
    assert not Enrolment.objects.filter(run=open_run).exists()


def test_the_evaluation_asks_how_far_the_intended_change_has_come(attended):
    tom, place = attended
    url = f"/bookings/place/{place.pk}/evaluation/"
    page = tom.get(url).content.decode()
    assert f"You said you wanted to change: “{WANT}”. How far has that changed?" in page
    answers = {"quality": 5, "relevance": 4, "facilitator": 5, "will_do_differently": "Quizzes"}
    missing = tom.post(url, answers)
    assert missing.status_code == 200
    assert "Say how far what you wanted to change has changed" in missing.content.decode()
    assert not Evaluation.objects.filter(enrolment=place, submitted_at__isnull=False).exists()
    sent = tom.post(url, {**answers, "outcome_progress": "3", "outcome_comment": "Most days"})
    assert sent.status_code == 302
    place.evaluation.refresh_from_db()
    assert (place.evaluation.outcome_progress, place.evaluation.outcome_comment) == (
        3,
        "Most days",
    )


def test_the_follow_up_asks_again_and_the_school_sees_intended_against_reported(attended, people):
    tom, place = attended
    attendance.submit_evaluation(
        place.pk,
        by=people["teacher_a"],
        ratings={"quality": 5, "relevance": 5, "facilitator": 5},
        will_do_differently="Quizzes",
        outcome_progress=3,
        outcome_comment="Most days",
    )
    ends = place.run.sessions.order_by("-ends_at").first().ends_at
    assert attendance.send_impact_follow_ups(now=ends + dt.timedelta(days=43)) == 1
    url = f"/bookings/place/{place.pk}/impact/"
    assert f"When booking, you said you wanted to change: “{WANT}”" in tom.get(url).content.decode()
    missing = tom.post(url, {"answer": "More confident"})
    assert "Say how far what you wanted to change has changed" in missing.content.decode()
    assert tom.post(url, {"answer": "More confident", "outcome_progress": "5"}).status_code == 302
    place.impact_follow_up.refresh_from_db()
    assert place.impact_follow_up.outcome_progress == 5

    lead = signed_in("cpdlead@oakfield.sch.uk")
    lead_page = lead.get(url).content.decode()
    assert "When booking, Tom Teacher said they wanted to change" in lead_page
    assert 'name="outcome_progress"' not in lead_page  # the lead gives their own view only
    record = lead.get(f"/school/{people['school_a'].pk}/cpd/?year=all").content.decode()
    assert "Intended and reported change" in record
    assert WANT in record
    assert "3 out of 5: Most days" in record and "5 out of 5" in record


def test_the_intended_outcome_is_in_the_download_and_erased_with_the_account(attended, people):
    tom, place = attended
    attendance.submit_evaluation(
        place.pk,
        by=people["teacher_a"],
        ratings={"quality": 5, "relevance": 5, "facilitator": 5},
        will_do_differently="Quizzes",
        outcome_progress=2,
        outcome_comment="Only on Mondays",
    )
    data = json.loads(tom.get("/account/data.json").content)
    (held,) = [p for p in data["places"] if p["run"] == place.run.reference]
    assert held["intended_outcome"] == WANT
    assert held["evaluation"]["outcome_progress"] == 2
    assert held["evaluation"]["outcome_comment"] == "Only on Mondays"
    tom.post("/account/close/", {"email": "teacher@oakfield.sch.uk"})
    place.refresh_from_db()
    place.evaluation.refresh_from_db()
    assert place.intended_outcome == "" and place.evaluation.outcome_comment == ""
    assert place.status == "attended"  # the place stays on the council's record


def _answered(attended, people, follow_up_comment):
    """Tom's evaluation says 3 of 5, "Most days"; his follow-up, through its page, 5 of 5."""
    tom, place = attended
    attendance.submit_evaluation(
        place.pk,
        by=people["teacher_a"],
        ratings={"quality": 5, "relevance": 5, "facilitator": 5},
        will_do_differently="Quizzes",
        outcome_progress=3,
        outcome_comment="Most days",
    )
    ends = place.run.sessions.order_by("-ends_at").first().ends_at
    assert attendance.send_impact_follow_ups(now=ends + dt.timedelta(days=43)) == 1
    answer = {"answer": "More confident", "outcome_progress": "5"}
    answer["outcome_comment"] = follow_up_comment
    assert tom.post(f"/bookings/place/{place.pk}/impact/", answer).status_code == 302
    return tom, place


def _csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


EVIL = '=HYPERLINK("http://evil")'


def test_the_school_exports_set_intended_against_reported_change(attended, people):
    _answered(attended, people, EVIL)
    lead = signed_in("cpdlead@oakfield.sch.uk")
    school = people["school_a"].pk
    (row,) = _csv_rows(lead.get(f"/school/{school}/cpd.csv?year=all"))
    assert row["Staff member"] == "Tom Teacher"
    assert row["Intended outcome"] == WANT
    assert row["Change after the course (1 to 5)"] == "3"
    assert row["Comment after the course"] == "Most days"
    assert row["Change at follow-up (1 to 5)"] == "5"
    assert row["Comment at follow-up"] == "'" + EVIL  # never run as a formula
    text = _pdf_text(lead.get(f"/school/{school}/cpd.pdf?year=all"))
    assert "Intended and reported change" in text
    assert WANT in text
    assert "3 out of 5: Most days" in text and "5 out of 5" in text


def test_the_own_record_exports_carry_the_intended_outcome_and_what_changed(attended, people):
    tom, _ = _answered(attended, people, "")
    (row,) = _csv_rows(tom.get("/my-cpd/record.csv"))
    assert row["Intended outcome"] == WANT
    assert row["Change after the course (1 to 5)"] == "3"
    assert row["Comment after the course"] == "Most days"
    assert (row["Change at follow-up (1 to 5)"], row["Comment at follow-up"]) == ("5", "")
    text = _pdf_text(tom.get("/my-cpd/record.pdf"))
    assert "Intended and reported change" in text and WANT in text
    assert "3 out of 5: Most days" in text and "5 out of 5" in text


def test_answers_not_yet_given_are_blank_in_the_csv_and_said_so_in_the_pdf(attended, people):
    tom, _ = attended
    (row,) = _csv_rows(tom.get("/my-cpd/record.csv"))
    assert row["Intended outcome"] == WANT
    assert row["Change after the course (1 to 5)"] == row["Change at follow-up (1 to 5)"] == ""
    text = _pdf_text(tom.get("/my-cpd/record.pdf"))
    assert text.count("Not answered yet") == 2
