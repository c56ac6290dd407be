"""Certificates: issued once per attended place, rendered to PDF once and kept, and
checked publicly by number (the QR code points there)."""

import base64
import io

import qrcode
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from qrcode.image.svg import SvgPathImage

from accounts import permissions
from core.links import site_url
from courses.models import StrandPage

from ..models import (
    Certificate,
    Enrolment,
)
from .registers import held_sessions


def strands_by_path():
    return {s.path: s for s in StrandPage.objects.all()}


def strand_of(course, strands):
    return strands.get(course.path[: -course.steplen])


def session_dates(sessions):
    """'4 March 2027', '4 and 18 March 2027', '26 February and 12 March 2027'."""
    days = sorted({timezone.localdate(s.starts_at) for s in sessions})
    if not days:
        return ""
    if len({(d.year, d.month) for d in days}) == 1:
        parts, tail = [str(d.day) for d in days], f" {days[-1]:%B %Y}"
    elif len({d.year for d in days}) == 1:
        parts, tail = [f"{d.day} {d:%B}" for d in days], f" {days[-1]:%Y}"
    else:
        parts, tail = [f"{d.day} {d:%B %Y}" for d in days], ""
    if len(parts) == 1:
        return parts[0] + tail
    return ", ".join(parts[:-1]) + " and " + parts[-1] + tail


def issue_certificate(enrolment):
    """Make the certificate once, with what it says fixed now. The PDF follows on first
    download (certificate_pdf) and is kept."""
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    course = enrolment.run.course
    strand = strand_of(course, strands_by_path())
    delegate = enrolment.delegate
    return Certificate.objects.create(
        enrolment=enrolment,
        delegate_name=(delegate.get_full_name() or delegate.email)[:300],
        school_name=enrolment.booking.school.name,
        course_title=course.title,
        strand_title=strand.title if strand else "",
        dates=session_dates(held_sessions(enrolment.run))[:300],
        cpd_hours=course.cpd_hours,
    )


def verification_url(certificate):
    return site_url(reverse("bookings:verify_certificate", args=[certificate.number]))


def qr_svg_data_uri(text):
    """A QR code as an SVG data URI: vector, so it prints sharp, and WeasyPrint embeds it."""
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_pdf(template, context):
    from weasyprint import HTML  # heavy (loads Pango): only a PDF needs it

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def certificate_pdf(certificate_id):
    """The certificate's PDF: rendered the first time it is asked for, then always the same
    stored bytes."""
    pdf = Certificate.objects.filter(pk=certificate_id).values_list("pdf", flat=True).get()
    if pdf:
        return bytes(pdf)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if not certificate.pdf:
            url = verification_url(certificate)
            certificate.pdf = render_pdf(
                "bookings/after/certificate_pdf.html",
                {
                    "certificate": certificate,
                    "verify_url": url,
                    "qr": qr_svg_data_uri(url),
                },
            )
            certificate.save(update_fields=["pdf"])
    return bytes(certificate.pdf)


def find_certificate(number):
    """The certificate with this number, or None. Typed numbers vary in case and spacing."""
    number = "".join((number or "").split()).upper()
    if not number or len(number) > 20:
        return None
    return Certificate.objects.filter(number=number).first()


def certificate_for(user, enrolment_id):
    """A place's certificate, for the delegate, their school's managers or the CPD team; there
    is none until the evaluation is sent."""
    enrolment = Enrolment.objects.select_related("booking__school").filter(pk=enrolment_id).first()
    if enrolment is None or not may_see_record_of(user, enrolment):
        raise Http404("No such certificate")
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    if certificate is None:
        raise Http404("No certificate yet")
    return certificate


def may_see_record_of(user, enrolment):
    return (
        user.pk == enrolment.delegate_id
        or permissions.has_role(user, enrolment.booking.school, *permissions.MANAGERS)
        or permissions.can_manage_bookings(user)
    )
