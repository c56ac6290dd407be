"""Item 11: public forms cannot be flooded (a rate limit per client, read as allauth reads the
client's IP) or filled by bots (a honeypot), and a truncated image upload is a form error."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from home.models import EnquirySubmission
from tests import people as via
from tests.factories import home

LIMIT = 5  # ACCOUNT_RATE_LIMITS["public_form"]: 5 in 10 minutes per client


@pytest.fixture
def enquiry_page(db):
    return home.enquiry_form()


def enquiry(page, **extra):
    data = {}
    for field in page.get_form_fields():
        if field.field_type == "email":
            data[field.clean_name] = "spam@bulk.example"
        elif field.field_type == "dropdown":
            data[field.clean_name] = field.choices.split(",")[0].strip()
        else:
            data[field.clean_name] = "Cheap pills at http://bulk.example"
    return {**data, **extra}


def test_thirty_enquiries_in_a_second_store_and_email_only_the_limit(
    enquiry_page, django_capture_on_commit_callbacks
):
    client = Client(REMOTE_ADDR="203.0.113.7")
    with django_capture_on_commit_callbacks(execute=True):
        codes = [
            client.post(enquiry_page.url, enquiry(enquiry_page)).status_code for _ in range(30)
        ]

    assert codes == [200] * LIMIT + [429] * (30 - LIMIT)
    assert EnquirySubmission.objects.count() == LIMIT
    assert len(mail.outbox) == LIMIT
    refused = client.post(enquiry_page.url, enquiry(enquiry_page))
    assert refused.status_code == 429
    assert b"Too many forms have been sent from your connection" in refused.content
    assert b"Cheap pills" in refused.content, "what they typed is kept on screen"


def test_another_client_is_not_held_back_by_someone_elses_flood(enquiry_page):
    flooder = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(LIMIT + 3):
        flooder.post(enquiry_page.url, enquiry(enquiry_page))
    neighbour = Client(REMOTE_ADDR="198.51.100.20")
    assert neighbour.post(enquiry_page.url, enquiry(enquiry_page)).status_code == 200
    assert EnquirySubmission.objects.count() == LIMIT + 1


def test_mistakes_do_not_count_towards_the_limit(enquiry_page):
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(LIMIT + 2):
        assert client.post(enquiry_page.url, {}).status_code == 200  # errors, nothing stored
    assert client.post(enquiry_page.url, enquiry(enquiry_page)).status_code == 200
    assert EnquirySubmission.objects.count() == 1


def test_a_filled_honeypot_is_thanked_but_nothing_is_stored_or_emailed(
    client, enquiry_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            enquiry_page.url, enquiry(enquiry_page, hp_website="http://bulk.example")
        )
    assert response.status_code == 200
    assert b"Thank you" in response.content
    assert not EnquirySubmission.objects.exists()
    assert len(mail.outbox) == 0


def test_the_honeypot_is_hidden_from_people_assistive_technology_and_the_tab_order(
    client, enquiry_page
):
    html = client.get(enquiry_page.url).content.decode()
    (field,) = re.findall(r'<input[^>]*name="hp_website"[^>]*>', html)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    wrapper = html[: html.index(field)].rsplit("<div", 1)[1]
    assert 'class="visually-hidden"' in wrapper and 'aria-hidden="true"' in wrapper


# --- a truncated GIF -----------------------------------------------------------------------------


def truncated_gif(name="broken.gif"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "GIF")
    return SimpleUploadedFile(name, buffer.getvalue()[:20], content_type="image/gif")


@pytest.fixture
def editor(people):
    return via.superuser_client(Client)


def test_a_truncated_gif_uploaded_as_an_image_is_a_form_error(editor):
    from wagtail.images.models import Image as WagtailImage

    before = WagtailImage.objects.count()
    response = editor.post(
        "/admin/images/add/", {"title": "Broken", "file": truncated_gif(), "collection": 1}
    )
    assert response.status_code == 200
    assert "damaged or incomplete" in str(response.context["form"].errors["file"])
    assert WagtailImage.objects.count() == before


def test_a_truncated_gif_in_the_multiple_uploader_is_a_form_error(editor):
    from wagtail.images.models import Image as WagtailImage

    before = WagtailImage.objects.count()
    response = editor.post(
        "/admin/images/multiple/add/",
        {"files[]": truncated_gif(), "collection": 1},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False and body["error_message"]
    assert WagtailImage.objects.count() == before


def test_a_whole_gif_still_uploads(editor):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "GIF")
    whole = SimpleUploadedFile("whole.gif", buffer.getvalue(), content_type="image/gif")
    response = editor.post("/admin/images/add/", {"title": "Whole", "file": whole, "collection": 1})
    assert response.status_code == 302
