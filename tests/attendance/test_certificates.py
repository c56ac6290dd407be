"""Certificates: a valid one-page PDF made once and kept, and a public check by number that
shows only the name and the course."""

import base64
import io
import re

import pytest
from pypdf import PdfReader

from bookings import attendance
from bookings.attendance import certificates
from bookings.models import Certificate
from courses.models import CoursePage


@pytest.fixture
def certificate(attended, people):
    return attendance.submit_evaluation(
        attended.pk,
        by=people["teacher_a"],
        ratings={"quality": 5, "relevance": 4, "facilitator": 5},
        will_do_differently="Pre-teach vocabulary.",
    )


def _download(client, certificate):
    return client.get(f"/bookings/place/{certificate.enrolment_id}/certificate.pdf")


def test_the_certificate_pdf_parses_has_one_page_and_names_the_delegate_and_course(
    client, certificate, people
):
    client.force_login(people["teacher_a"])
    response = _download(client, certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"certificate-{certificate.number}.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Tom Teacher" in text
    assert " ".join(certificate.course_title.split()) in text
    assert "Oakfield Primary School" in text
    assert certificate.number in text
    assert f"http://testserver/certificates/{certificate.number}/" in text
    assert "CPD hours: 4" in text and "Building capacity for inclusion" in text
    assert f"Dates: {certificate.dates}" in text and certificate.dates


# One module of the QR code as WeasyPrint draws it: a unit square, in module units.
_MODULE = re.compile(rb"(\d+) (\d+) m\n(\d+) \2 l\n\3 (\d+) l\n\1 \4 l\nh\n")


def _qr_modules(pdf):
    """The dark modules drawn on the PDF's page, as a set of (row, column) from the top left."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    squares = {
        (int(y), int(x))
        for x, y, x1, y1 in _MODULE.findall(page.get_contents().get_data())
        if int(x1) == int(x) + 1 and int(y1) == int(y) + 1
    }
    top, left = min(r for r, _ in squares), min(c for _, c in squares)
    return {(r - top, c - left) for r, c in squares}


def test_the_pdfs_qr_code_encodes_the_verification_address(client, certificate, people):
    import qrcode

    client.force_login(people["teacher_a"])
    drawn = _qr_modules(_download(client, certificate).content)
    # Encoded afresh here: the modules a reader would see for the printed address.
    code = qrcode.QRCode(border=0)
    code.add_data(f"http://testserver/certificates/{certificate.number}/")
    code.make(fit=True)
    expected = {
        (r, c) for r, row in enumerate(code.get_matrix()) for c, dark in enumerate(row) if dark
    }
    assert len(expected) > 200 and drawn == expected


def test_the_qr_code_is_an_svg_of_the_verification_address():
    uri = attendance.qr_svg_data_uri("http://testserver/certificates/CPD-ABCDE-23456/")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert uri.startswith("data:image/svg+xml;base64,")
    assert "<svg" in svg and "<path" in svg


def test_a_certificate_is_made_once_and_a_redownload_is_the_same_file(
    client, certificate, people, monkeypatch
):
    client.force_login(people["teacher_a"])
    first = _download(client, certificate).content

    def no_second_rendering(*args, **kwargs):
        raise AssertionError("the PDF was rendered again")

    monkeypatch.setattr(certificates, "render_pdf", no_second_rendering)
    client.force_login(people["lead_a"])  # the CPD lead downloads the same file
    assert _download(client, certificate).content == first
    assert bytes(Certificate.objects.get(pk=certificate.pk).pdf) == first


def test_a_certificate_keeps_what_it_said_when_the_course_changes_later(client, certificate):
    CoursePage.objects.filter(pk=certificate.enrolment.run.course_id).update(
        title="Renamed later", cpd_hours=9
    )
    page = client.get(f"/certificates/{certificate.number}/").content.decode()
    assert certificate.course_title in page and "Renamed later" not in page
    assert attendance.issue_certificate(certificate.enrolment) == certificate  # not a second one


def test_the_public_check_shows_the_right_certificate_and_no_other_personal_data(
    client, certificate, attended, people
):
    other = attendance.issue_certificate(attended)  # the same place: the same certificate
    assert other.pk == certificate.pk
    response = client.get(f"/certificates/{certificate.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is a genuine certificate" in html
    assert "Tom Teacher" in html and certificate.course_title in html
    assert certificate.number in html
    assert "Oakfield" not in html and "teacher@oakfield.sch.uk" not in html
    assert response["X-Robots-Tag"] == "noindex"


def test_a_forged_number_gets_a_clean_not_found(client, certificate):
    forged = certificate.number[:-1] + ("A" if certificate.number[-1] != "A" else "B")
    response = client.get(f"/certificates/{forged}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f"We have no certificate numbered “{forged}”" in html
    assert "Tom Teacher" not in html and "genuine" not in html
    response = client.get("/certificates/%3Cb%3Ebold/")  # what is typed is shown, escaped
    assert response.status_code == 404
    assert (
        "&lt;b&gt;bold" in response.content.decode() and "<b>bold" not in response.content.decode()
    )


def test_a_number_typed_from_paper_is_found_whatever_its_case_and_spaces(client, certificate):
    typed = " " + certificate.number.lower().replace("-", "- ") + " "
    response = client.get("/certificates/", {"number": typed}, follow=True)
    assert response.redirect_chain[-1][0] == f"/certificates/{certificate.number}/"
    assert "This is a genuine certificate" in response.content.decode()
    direct = client.get(f"/certificates/{certificate.number.lower()}/")  # typed into the bar
    assert direct.status_code == 200 and certificate.number in direct.content.decode()
    blank = client.get("/certificates/", {"number": ""})
    assert "Enter the certificate number." in blank.content.decode()


def test_certificate_numbers_are_random_not_sequential(attended):
    from bookings.models import new_certificate_number

    numbers = {new_certificate_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(len(n) == 15 and n.startswith("CPD-") for n in numbers)
