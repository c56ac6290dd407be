"""The enquiry form: bad input is refused whole, good input notifies staff once via Celery."""

import pytest
from django.core import mail

from home.models import EnquirySubmission
from home.services import notify_staff_of_submission
from tests.factories import home as pages
from tests.forms import assert_errors_are_clear


@pytest.fixture
def form_page(db):
    """The bespoke-support enquiry form, as the demo has it (tests/factories/home.py)."""
    return pages.enquiry_form("bespoke-support")


def _valid_data(page):
    data = {}
    for field in page.get_form_fields():
        if field.field_type == "email":
            data[field.clean_name] = "p.shah@oakfield.sch.uk"
        elif field.field_type == "dropdown":
            data[field.clean_name] = field.choices.split(",")[0].strip()
        else:
            data[field.clean_name] = "Support for our new SENCO with provision mapping."
    return data


def test_a_valid_enquiry_is_stored_and_staff_are_emailed_once(
    client, form_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_page.url, _valid_data(form_page))
    assert response.status_code == 200
    assert b"Thank you" in response.content
    submission = EnquirySubmission.objects.get()
    assert submission.notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cpd@example.gov.uk"]
    assert "provision mapping" in message.body
    assert message.reply_to == ["p.shah@oakfield.sch.uk"]


def test_running_the_notification_again_sends_nothing_more(
    client, form_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.url, _valid_data(form_page))
    submission = EnquirySubmission.objects.get()
    assert notify_staff_of_submission(submission.pk) is False
    assert len(mail.outbox) == 1


def test_the_notification_waits_for_the_commit(
    client, form_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(form_page.url, _valid_data(form_page))
    assert len(mail.outbox) == 0, "nothing may be sent before the submission is committed"
    assert callbacks, "the task must be enqueued on commit"


def test_an_invalid_enquiry_shows_errors_and_stores_nothing(client, form_page):
    data = _valid_data(form_page)
    email_field = next(f for f in form_page.get_form_fields() if f.field_type == "email")
    data[email_field.clean_name] = "not-an-email"
    response = client.post(form_page.url, data)
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a valid email address" in response.content
    assert not EnquirySubmission.objects.exists()
    assert len(mail.outbox) == 0


def test_an_empty_enquiry_lists_every_required_field(client, form_page):
    response = client.post(form_page.url, {})
    required = [f for f in form_page.get_form_fields() if f.required]
    assert response.content.count(b'class="field-error"') == len(required)
    assert b"error-summary" in response.content
    assert not EnquirySubmission.objects.exists()


def test_an_empty_enquiry_says_what_is_wrong_and_where(client, form_page):
    response = client.post(form_page.url, {})
    soup = assert_errors_are_clear(response.content.decode())
    required = [f for f in form_page.get_form_fields() if f.required]
    assert len(soup.select("[data-error-summary] li a")) == len(required)
