"""Every email has the one layout (issue 22): the service's name, a heading, the main action
as a button, the service's contact and why the person got it, its CSS inlined, in the colour
of its course's strand; and a plain-text part with no HTML in it."""

import html as htmllib
import re

import pytest

from tests.email_catalogue import every_email

TEAL = "#00635d"  # StrandPage.HEX["teal"], the "Using data" strand the catalogue's courses are in
BRAND = "#0b3b60"  # the site's brand colour, for emails about no course
ABOUT_A_COURSE = {
    "confirmation", "reminder", "session_cancelled", "cancellation", "approval_pending",
    "approval_request", "approval_decision", "waiting_list_joined", "offer", "offer_expired",
    "run_cancelled", "no_shows", "evaluation_request", "impact_delegate", "impact_lead",
    "sessions_moved", "place_passed_on_from", "place_passed_on_to", "place_moved",
    "finance_approval_request", "approval_passed_to_finance", "approval_declined",
    "reservation_confirmed", "reservation_reminder", "reservation_released",
    "place_passed_on_school", "place_moved_school", "waiting_list_joined_group", "offer_group",
    "consortium_approval_request", "approval_passed_to_consortium", "budget_declined",
}  # fmt: skip
ALL = ABOUT_A_COURSE | {
    "join_request", "join_decision", "invitation", "invoice_issued", "invoice_reminder", "receipt",
    "credit_note_issued", "stripe_payment_failed", "stripe_refund_unmatched", "password_reset",
}  # fmt: skip


@pytest.fixture
def sent(people, client):
    return every_email(people["staff"], client)


def _html(message):
    (alternative,) = message.alternatives
    assert alternative.mimetype == "text/html"
    return alternative.content


def test_every_email_is_made_and_written_once(sent):
    assert set(sent) == ALL


def test_every_html_part_has_the_layout_with_its_css_inlined(sent, settings):
    for name, message in sent.items():
        html = _html(message)
        assert "<style" not in html, name  # mail clients drop it: every rule is on its element
        assert settings.WAGTAIL_SITE_NAME in html, name
        assert len(re.findall(r"<h1[ >]", html)) == 1, name
        assert "You are getting this email because" in html, name
        assert 'href="mailto:' in html, name
        colour = TEAL if name in ABOUT_A_COURSE else BRAND
        assert f"background-color: {colour}" in html, name
        if name != "stripe_refund_unmatched":
            assert re.search(r'<a class="button" href="https?://[^"]+" style="[^"]+">', html), name


def test_every_plain_text_part_is_text_with_the_contact_and_the_reason(sent, settings):
    for name, message in sent.items():
        body = message.body
        assert htmllib.unescape(body) == body, f"{name}: an HTML entity in the plain text"
        assert not re.search(r"</?[a-z]+[ >/]", body), f"{name}: an HTML tag in the plain text"
        assert body.startswith(settings.WAGTAIL_SITE_NAME), name
        assert "Questions? Email " in body, name
        assert "You are getting this email because" in body, name
        assert "\n\n\n" not in body, name
    assert "St Anne's C of E Primary School" in sent["confirmation"].body
    assert "Tom O'Neill" in sent["cancellation"].body
