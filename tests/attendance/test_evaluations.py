"""Evaluations: asked for once the course ends, reminded at most twice, submitted once; the
certificate exists only after the evaluation is sent."""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import attendance, emails, tasks
from bookings.models import Certificate, Evaluation
from bookings.services import BookingRefused
from tests.forms import assert_errors_are_clear

GOOD = {
    "quality": "4",
    "relevance": "5",
    "facilitator": "3",
    "will_do_differently": "Plan the TA's role before the lesson.",
    "comments": "",
}


def _requests():
    return [m for m in mail.outbox if "How was" in m.subject or "Reminder" in m.subject]


def test_no_certificate_before_the_evaluation_is_sent(client, attended, people):
    client.force_login(people["teacher_a"])
    assert client.get(f"/bookings/place/{attended.pk}/certificate.pdf").status_code == 404
    with pytest.raises(Exception, match="No certificate yet"):
        attendance.certificate_for(people["teacher_a"], attended.pk)
    record = client.get("/my-cpd/").content.decode()
    assert "Evaluate this course to get your certificate" in record
    assert f"/bookings/place/{attended.pk}/certificate.pdf" not in record

    response = client.post(f"/bookings/place/{attended.pk}/evaluation/", GOOD)
    assert response.status_code == 302
    response = client.get(f"/bookings/place/{attended.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_attendees_are_asked_once_when_the_last_session_has_ended(
    make_run, book, mark_all, people, facilitator, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(0,))  # started an hour ago; ends in two
    tom, frank = book(run, people["teacher_a"], people["finance_a"])
    mark_all(run, {tom: True, frank: False})
    with django_capture_on_commit_callbacks(execute=True):
        attendance.close_register(run.pk, by=facilitator)
    assert _requests() == [] and not Evaluation.objects.exists()  # not over yet

    later = timezone.now() + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.request_due_evaluations(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance.request_due_evaluations(now=later) == 0  # the beat runs again
    [request] = _requests()
    assert request.to == ["teacher@oakfield.sch.uk"]  # not the no-show
    assert f"/bookings/place/{tom.pk}/evaluation/" in request.body
    assert f"/bookings/place/{tom.pk}/evaluation/" in request.alternatives[0][0]
    evaluation = Evaluation.objects.get(enrolment=tom)
    assert emails.evaluation_request(evaluation.pk) is False  # a re-delivered task


def test_closing_after_the_course_ended_asks_at_once(
    make_run, book, mark_all, people, facilitator, django_capture_on_commit_callbacks
):
    run = make_run(days_ago=(1,))
    tom = book(run, people["teacher_a"])
    mark_all(run, {tom: True})
    with django_capture_on_commit_callbacks(execute=True):
        attendance.close_register(run.pk, by=facilitator)
    assert [m.to for m in _requests()] == [["teacher@oakfield.sch.uk"]]
    tasks.request_run_evaluations(run.pk)
    assert len(_requests()) == 1


def test_unsent_evaluations_are_reminded_at_most_twice(
    attended, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attendance.request_evaluations(attended.run_id)
    evaluation = Evaluation.objects.get(enrolment=attended)
    start = evaluation.requested_at
    sent = [
        attendance.remind_evaluations(now=start + dt.timedelta(days=days))
        for days in (3, 8, 8, 12, 16, 30, 60)
    ]
    assert sent == [0, 1, 0, 0, 1, 0, 0]
    evaluation.refresh_from_db()
    assert evaluation.reminders_sent == 2
    assert len([m for m in mail.outbox if m.subject.startswith("[CPD] Reminder")]) == 2


def test_the_database_refuses_a_third_reminder(attended):
    evaluation = Evaluation.objects.create(enrolment=attended)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(reminders_sent=3)


def test_a_sent_evaluation_is_not_reminded(client, attended, people):
    attendance.request_evaluations(attended.run_id)
    client.force_login(people["teacher_a"])
    client.post(f"/bookings/place/{attended.pk}/evaluation/", GOOD)
    later = timezone.now() + dt.timedelta(days=30)
    assert attendance.remind_evaluations(now=later) == 0


def test_submitting_records_the_answers_and_issues_the_certificate(client, attended, people):
    client.force_login(people["teacher_a"])
    answers = {**GOOD, "comments": "  More time for practice, please.  "}
    response = client.post(f"/bookings/place/{attended.pk}/evaluation/", answers, follow=True)
    assert "Your certificate is ready to download" in response.content.decode()
    evaluation = Evaluation.objects.get(enrolment=attended)
    assert (evaluation.quality, evaluation.relevance, evaluation.facilitator) == (4, 5, 3)
    assert evaluation.will_do_differently == GOOD["will_do_differently"]
    assert evaluation.comments == "More time for practice, please."
    assert evaluation.submitted_at is not None
    certificate = Certificate.objects.get(enrolment=attended)
    assert certificate.delegate_name == "Tom Teacher"
    assert certificate.school_name == "Oakfield Primary School"
    assert certificate.course_title == attended.run.course.title
    assert certificate.strand_title == "Building capacity for inclusion"
    assert certificate.cpd_hours == attended.run.course.cpd_hours


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quality": "0"}, "Rate “the quality of the course” from 1 to 5."),
        ({"relevance": "6"}, "Rate “how relevant it was to your work” from 1 to 5."),
        ({"facilitator": "x"}, "Rate “the facilitator” from 1 to 5."),
        ({"facilitator": ""}, "Rate “the facilitator” from 1 to 5."),
        ({"will_do_differently": "   "}, "Say what you will do differently."),
    ],
)
def test_a_bad_evaluation_is_answered_clearly_and_nothing_is_written(
    client, attended, people, change, message
):
    client.force_login(people["teacher_a"])
    response = client.post(f"/bookings/place/{attended.pk}/evaluation/", {**GOOD, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Evaluation.objects.filter(submitted_at__isnull=False).exists()
    assert not Certificate.objects.exists()


def test_the_service_checks_ratings_too(attended, people):
    with pytest.raises(BookingRefused, match="from 1 to 5"):
        attendance.submit_evaluation(
            attended.pk,
            by=people["teacher_a"],
            ratings={"quality": 5, "relevance": 5, "facilitator": 9},
            will_do_differently="More",
        )
    assert not Certificate.objects.exists()


def test_an_incomplete_submitted_evaluation_is_refused_by_the_database(attended):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(enrolment=attended, quality=5, submitted_at=timezone.now())


def test_an_evaluation_is_sent_once(client, attended, people):
    client.force_login(people["teacher_a"])
    client.post(f"/bookings/place/{attended.pk}/evaluation/", GOOD)
    number = Certificate.objects.get().number
    again = client.post(f"/bookings/place/{attended.pk}/evaluation/", {**GOOD, "quality": "1"})
    assert "You sent your evaluation on" in again.content.decode()
    assert Evaluation.objects.get().quality == 4
    assert Certificate.objects.get().number == number
    with pytest.raises(BookingRefused, match="already sent"):
        attendance.submit_evaluation(
            attended.pk,
            by=people["teacher_a"],
            ratings={"quality": 1, "relevance": 1, "facilitator": 1},
            will_do_differently="x",
        )


def test_only_an_attended_delegate_evaluates_their_own_place(
    client, make_run, book, mark_all, people, facilitator, attended
):
    run = make_run(days_ago=(1,))
    frank = book(run, people["finance_a"])
    mark_all(run, {frank: False})
    attendance.close_register(run.pk, by=facilitator)
    client.force_login(people["finance_a"])
    assert client.get(f"/bookings/place/{frank.pk}/evaluation/").status_code == 404  # no-show
    assert client.post(f"/bookings/place/{attended.pk}/evaluation/", GOOD).status_code == 404
    client.force_login(people["lead_a"])  # Tom's CPD lead may not evaluate for him
    assert client.post(f"/bookings/place/{attended.pk}/evaluation/", GOOD).status_code == 404
    assert not Evaluation.objects.exists()


def test_a_bad_evaluation_says_what_is_wrong_and_where(client, attended, people):
    client.force_login(people["teacher_a"])
    response = client.post(
        f"/bookings/place/{attended.pk}/evaluation/",
        {**GOOD, "quality": "", "will_do_differently": ""},
    )
    soup = assert_errors_are_clear(response.content.decode())
    links = {a["href"] for a in soup.select("[data-error-summary] a")}
    assert links == {"#id_quality_0", "#id_will_do_differently"}
    assert soup.find(id="id_quality_error") is not None
