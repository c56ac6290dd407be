"""Image and document uploads through the Wagtail admin: size and type are limited, SVG is
refused with a message that says why, and a refused upload stores nothing."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection

from core.uploads import SVG_REFUSED

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def png_bytes(size=(8, 8)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def admin_client(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["staff"])
    return client


def add_image(client, name, content, content_type="image/png"):
    return client.post(
        "/admin/images/add/",
        {
            "title": "Upload",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def add_document(client, name, content, content_type="application/pdf"):
    return client.post(
        "/admin/documents/add/",
        {
            "title": "Upload",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def form_errors(response):
    return response.context["form"].errors.get("file", [])


def test_a_png_image_is_accepted(admin_client):
    response = add_image(admin_client, "team.png", png_bytes())
    assert response.status_code == 302
    assert Image.objects.filter(title="Upload").count() == 1


def test_an_svg_image_is_refused_with_the_reason(admin_client):
    response = add_image(admin_client, "logo.svg", SVG, "image/svg+xml")
    assert response.status_code == 200
    assert form_errors(response) == [SVG_REFUSED]
    assert not Image.objects.filter(title="Upload").exists()


def test_an_svg_renamed_png_is_refused_too(admin_client):
    response = add_image(admin_client, "logo.png", SVG)
    assert response.status_code == 200
    assert form_errors(response) == [SVG_REFUSED]
    assert not Image.objects.filter(title="Upload").exists()


def test_an_svg_sent_to_the_multiple_uploader_is_refused(admin_client):
    response = admin_client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")},
    )
    body = json.loads(response.content)
    assert body["success"] is False
    assert SVG_REFUSED in json.dumps(body)
    assert not Image.objects.filter(file__endswith=".svg").exists()


def test_an_image_over_the_size_limit_is_refused(admin_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    response = add_image(admin_client, "team.png", png_bytes((64, 64)) + b"\0" * 200)
    assert response.status_code == 200
    assert "This file is too big" in form_errors(response)[0]
    assert not Image.objects.filter(title="Upload").exists()


def test_a_pdf_document_is_accepted(admin_client):
    response = add_document(admin_client, "terms.pdf", PDF)
    assert response.status_code == 302
    assert Document.objects.filter(title="Upload").count() == 1


def test_an_svg_document_is_refused_with_the_reason(admin_client):
    response = add_document(admin_client, "logo.svg", SVG, "image/svg+xml")
    assert response.status_code == 200
    assert SVG_REFUSED in form_errors(response)
    assert not Document.objects.filter(title="Upload").exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("terms.pdf", b"<html><script>alert(1)</script></html>", "not a document"),
        ("terms.pdf", b"GIF89a not a pdf", "not a real .pdf file"),
        ("plan.docx", PDF, "not a real .docx file"),
        ("list.csv", b"a,b\n\x00\x01binary", "not plain text"),
        ("run.exe", b"MZ\x90\x00", "not allowed"),
    ],
)
def test_a_document_whose_contents_do_not_match_its_type_is_refused(
    admin_client, name, content, message
):
    response = add_document(admin_client, name, content, "application/octet-stream")
    assert response.status_code == 200
    assert message in " ".join(form_errors(response))
    assert not Document.objects.filter(title="Upload").exists()


def test_an_svg_sent_to_the_multiple_document_uploader_is_refused(admin_client):
    response = admin_client.post(
        "/admin/documents/multiple/add/",
        {"files[]": SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")},
    )
    body = json.loads(response.content)
    assert body["success"] is False
    assert SVG_REFUSED in json.dumps(body)
    assert not Document.objects.filter(file__endswith=".svg").exists()


def test_a_document_over_the_size_limit_is_refused(admin_client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 20
    response = add_document(admin_client, "terms.pdf", PDF)
    assert response.status_code == 200
    assert "This file is too big" in form_errors(response)[0]
    assert not Document.objects.filter(title="Upload").exists()
