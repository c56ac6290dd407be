"""The shared platform helpers in core/: one absolute-address rule, one email builder, one
academic year (tests/reports/test_services.py holds the year's edges)."""

import datetime as dt
from pathlib import Path

import pytest

from core.academic_year import AcademicYear
from core.emails import build_email
from core.links import site_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("base", ["https://cpd.example.gov.uk", "https://cpd.example.gov.uk/"])
def test_site_url_puts_a_path_on_the_configured_site_whatever_its_trailing_slash(settings, base):
    settings.WAGTAILADMIN_BASE_URL = base
    assert site_url("/book/12/") == "https://cpd.example.gov.uk/book/12/"
    assert site_url() == "https://cpd.example.gov.uk"


@pytest.fixture
def note_template(settings, tmp_path):
    (tmp_path / "note.txt").write_text("Hello {{ name }}, see {{ site_url }}/x/")
    (tmp_path / "note.html").write_text(
        "<style>p { color: {{ accent }}; }</style><p>Hello {{ name }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return "note"


@pytest.mark.django_db  # the service's contact address is in the site settings
def test_an_email_has_both_bodies_the_prefix_and_the_sites_address(settings, note_template):
    settings.WAGTAILADMIN_BASE_URL = "https://cpd.example.gov.uk/"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CPD] "
    settings.DEFAULT_FROM_EMAIL = "CPD <cpd@example.gov.uk>"
    message = build_email(
        note_template,
        "Booked",
        ["teacher@oakfield.sch.uk"],
        {"name": "Tom"},
        attachments=[("a.ics", "BEGIN:VCALENDAR", "text/calendar")],
        reply_to=["finance@example.gov.uk"],
        accent="#00635d",
    )
    assert message.subject == "[CPD] Booked"
    assert message.from_email == "CPD <cpd@example.gov.uk>"
    assert message.to == ["teacher@oakfield.sch.uk"]
    assert message.reply_to == ["finance@example.gov.uk"]
    assert message.body == "Hello Tom, see https://cpd.example.gov.uk/x/\n"
    # the stylesheet is written onto the element, as mail clients drop <style>
    assert '<p style="color: #00635d;">Hello Tom</p>' in message.alternatives[0].content
    assert "<style>" not in message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert [a[0] for a in message.attachments] == ["a.ics"]


def test_the_academic_year_label_is_the_one_cpd_records_use():
    # 31 August is still last year's; 1 September starts the next.
    assert AcademicYear.of(dt.date(2027, 8, 31)).label == "2026/27"
    assert AcademicYear.of(dt.date(2027, 9, 1)).label == "2027/28"
    assert AcademicYear.of(dt.date(2027, 9, 1)).first_day == dt.date(2027, 9, 1)


# What each copy looked like; only its one home in core/ may still say it.
COPIES = {
    'WAGTAILADMIN_BASE_URL.rstrip("/")': "core/links.py",
    "EmailMultiAlternatives(": "core/emails.py",
    ".month >= 9 else": "core/academic_year.py",
}
# Files another change is rewriting, with the copies it replaces when it lands.
NOT_YET = set()


def test_each_helper_lives_once_in_core():
    """Issue 18: an app imports core's helper rather than writing its own again."""
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.split("/")[0] in {"tests", "bench", "node_modules"} or name.startswith("."):
            continue
        text = path.read_text()
        for copy, home in COPIES.items():
            if copy in text and name != home and (name, copy) not in NOT_YET:
                found.append(f"{name}: {copy}")
    assert found == []
