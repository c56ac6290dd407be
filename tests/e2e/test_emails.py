"""Every email's HTML part, as a phone's mail app shows it (390 px wide), in real Chromium:
axe-core finds nothing serious or critical, and nothing scrolls sideways. Each is written to
test-results/emails/ (a screenshot, the HTML and the plain text) for a reviewer to look at:
`.venv/bin/python -m pytest tests/e2e/test_emails.py`."""

from pathlib import Path

import pytest
from django.db import transaction

from tests.email_catalogue import every_email

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "test-results" / "emails"
PHONE = {"width": 390, "height": 844}


def test_every_email_reads_on_a_phone_and_passes_axe(people, client, browser, axe_check):
    # As the other tests make them: in one transaction, so no task runs on a commit (the
    # browser tests' database commits), then rolled back.
    with transaction.atomic():
        sent = every_email(people["staff"], client)
        transaction.set_rollback(True)
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    failures = []
    for name, message in sorted(sent.items()):
        html = message.alternatives[0].content
        (OUT / f"{name}.html").write_text(html)
        (OUT / f"{name}.txt").write_text(f"Subject: {message.subject}\n\n{message.body}")
        page.set_content(html)
        page.screenshot(path=OUT / f"{name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            failures.append(f"{name}: scrolls sideways ({width}px)")
        try:
            axe_check(page)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
    context.close()
    assert not failures, "\n".join(failures)
