"""Billing emails: invoices and credit notes carry their PDF and a link to pay online; overdue
reminders go at the due date, +14 and +30 days, once each, and never to a paused account."""

from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail

from billing import emails, pdf, services, tasks
from billing.models import Payment

from ..addresses import addressed
from .helpers import D, credit, issue

DUE = date(2026, 11, 4)  # invoice_a is issued 5 October 2026, due 30 days later


def test_invoice_email_attaches_the_stored_pdf_and_links_to_pay_online(invoice_a, media, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    assert emails.invoice_issued(invoice_a.pk) is True
    (message,) = mail.outbox
    assert message.to == ["finance@oakfield.sch.uk"]
    assert invoice_a.number in message.subject
    (name, content, mimetype), = message.attachments  # fmt: skip
    assert (name, mimetype) == (f"{invoice_a.number}.pdf", "application/pdf")
    invoice_a.refresh_from_db()
    assert content == pdf.pdf_bytes(invoice_a.pdf)  # the stored file, not a fresh render
    link = f"http://testserver/billing/invoices/{invoice_a.pk}/"
    assert link in message.body
    html, _ = message.alternatives[0]
    assert f'href="{link}"' in html and "Pay online" in html
    assert "PO-OAK-7731" in message.body


def test_without_stripe_invoice_and_reminder_emails_offer_bank_transfer_not_paying_online(
    invoice_a, media, settings
):
    settings.STRIPE_SECRET_KEY = ""
    emails.invoice_issued(invoice_a.pk)
    assert emails.overdue_reminder(invoice_a.pk, 0, today=DUE) is True
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html, _ = message.alternatives[0]
        for part in (message.body, html):
            assert "Pay online" not in part and "online by card" not in part
            assert "bank transfer (BACS)" in part and invoice_a.number in part


def test_invoice_email_is_sent_once_with_its_existing_key(invoice_a, media):
    from core.models import SentEmail

    assert emails.invoice_issued(invoice_a.pk) is True
    assert emails.invoice_issued(invoice_a.pk) is False
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(key=f"invoice-issued:{invoice_a.pk}").exists()


def test_issuing_an_invoice_emails_it_after_commit(account_a, media, on_commit):
    with on_commit():
        invoice = issue(account_a, [("Place: a course", "100.00", "standard")])
    (message,) = mail.outbox
    assert message.attachments[0][0] == f"{invoice.number}.pdf"


def test_credit_note_email_attaches_its_pdf(invoice_a, media):
    line = invoice_a.lines.get(vat_treatment="standard")
    note = credit(invoice_a, [(line, D("110.00"))], reason="Place cancelled")
    assert emails.credit_note_issued(note.pk) is True
    (message,) = mail.outbox
    assert message.attachments[0][0] == f"{note.number}.pdf"
    assert message.attachments[0][1].startswith(b"%PDF")
    assert f"/billing/invoices/{invoice_a.pk}/" in message.body
    assert emails.credit_note_issued(note.pk) is False


def test_receipt_links_to_the_invoice(invoice_a):
    payment = services.record_payment(invoice_a, D("10.00"), method=Payment.Method.BACS)
    assert emails.receipt(payment.pk) is True
    assert f"/billing/invoices/{invoice_a.pk}/" in mail.outbox[0].body


# --- overdue reminders -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after_due", "stage"),
    [(-1, None), (0, 0), (13, 0), (14, 14), (29, 14), (30, 30), (200, 30)],
)
def test_the_latest_reminder_reached(days_after_due, stage):
    assert emails.reminder_stage(DUE, DUE + timedelta(days=days_after_due)) == stage


def _sent_keys():
    from core.models import SentEmail

    return set(
        SentEmail.objects.filter(key__startswith="invoice-reminder:").values_list("key", flat=True)
    )


@pytest.mark.parametrize("days", [0, 14, 30])
def test_each_reminder_is_sent_once(invoice_a, media, days):
    today = DUE + timedelta(days=days)
    assert emails.overdue_reminder(invoice_a.pk, days, today=today) is True
    assert emails.overdue_reminder(invoice_a.pk, days, today=today) is False
    (message,) = mail.outbox
    assert invoice_a.number in message.subject
    assert ("due today" in message.subject) == (days == 0)
    assert (f"{days} days overdue" in message.subject) == (days > 0)
    assert "£267.00" in message.body
    assert f"/billing/invoices/{invoice_a.pk}/" in message.body
    assert message.attachments[0][0] == f"{invoice_a.number}.pdf"
    assert _sent_keys() == {f"invoice-reminder:{invoice_a.pk}:{days}"}


def test_no_reminder_before_its_day(invoice_a):
    assert emails.overdue_reminder(invoice_a.pk, 14, today=DUE + timedelta(days=13)) is False
    assert emails.overdue_reminder(invoice_a.pk, 0, today=DUE - timedelta(days=1)) is False
    assert not mail.outbox


def test_paused_accounts_get_no_reminders(invoice_a, account_a):
    account_a.reminders_paused = True
    account_a.save()
    assert emails.reminders_due(DUE + timedelta(days=30)) == []
    assert emails.overdue_reminder(invoice_a.pk, 30, today=DUE + timedelta(days=30)) is False
    assert not mail.outbox and not _sent_keys()


def test_paid_invoices_get_no_reminders(invoice_a):
    services.record_payment(invoice_a, invoice_a.gross, method=Payment.Method.BACS)
    mail.outbox.clear()  # the receipt
    assert invoice_a.pk not in [pk for pk, _ in emails.reminders_due(DUE + timedelta(days=30))]
    assert emails.overdue_reminder(invoice_a.pk, 30, today=DUE + timedelta(days=30)) is False
    assert not mail.outbox


def test_the_daily_sweep_chases_each_stage_once(invoice_a, account_a, media, monkeypatch):
    """Run daily from the due date to +40 days, twice a day: three reminders, one of each."""
    later = issue(account_a, [("Place: another", "50.00", "standard")], on=date(2026, 10, 10))
    for offset in range(-2, 41):
        day = DUE + timedelta(days=offset)
        monkeypatch.setattr("django.utils.timezone.localdate", lambda day=day: day)
        tasks.send_overdue_reminders()
        tasks.send_overdue_reminders()
    ours = {k for k in _sent_keys() if k.split(":")[1] in {str(invoice_a.pk), str(later.pk)}}
    assert ours == {
        f"invoice-reminder:{invoice.pk}:{days}"
        for invoice in (invoice_a, later)
        for days in (0, 14, 30)
    }
    subjects = [m.subject for m in mail.outbox if invoice_a.number in m.subject]
    assert len(subjects) == 3


def test_a_missed_fortnight_sends_only_the_latest_reminder(invoice_a, media):
    due = emails.reminders_due(DUE + timedelta(days=20))
    assert (invoice_a.pk, 14) in due and (invoice_a.pk, 0) not in due


def test_reminders_run_daily_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["overdue-reminders"]
    assert entry["task"] == "billing.tasks.send_overdue_reminders"
    assert tasks.send_overdue_reminders.name == entry["task"]


def test_invoice_emails_go_to_every_active_finance_contact_of_the_billed_account(
    people, make_user, media
):
    """A school's finance contacts (not its teachers, nor a closed account); a centrally
    billed trust's finance contacts, not its schools'."""
    from accounts.models import Membership, Trust, TrustMembership
    from billing.models import Account

    from .helpers import issue

    school = people["school_b"]
    second = make_user("second.bursar@riverside-academy.org.uk")
    Membership.objects.create(user=second, school=school, is_teacher=False, is_finance=True)
    gone = make_user("old.bursar@riverside-academy.org.uk")
    gone.is_active = False
    gone.save()
    Membership.objects.create(user=gone, school=school, is_teacher=False, is_finance=True)
    invoice = issue(services.school_account(school), [("Place", "10.00", "standard")])
    mail.outbox.clear()
    assert emails.invoice_issued(invoice.pk) is True
    expected = sorted(
        m.user.email
        for m in Membership.objects.filter(school=school, is_finance=True, user__is_active=True)
    )
    assert "second.bursar@riverside-academy.org.uk" in expected
    assert sorted(mail.outbox[0].to) == expected

    trust = Trust.objects.create(name="Haverleigh Learning Trust", billed_centrally=True)
    trust_finance = make_user("finance@haverleigh-trust.org.uk")
    TrustMembership.objects.create(user=trust_finance, trust=trust, is_finance=True)
    account = addressed(Account.objects.create(kind=Account.Kind.TRUST, trust=trust))
    invoice = issue(account, [("Place", "10.00", "standard")])
    mail.outbox.clear()
    assert emails.invoice_issued(invoice.pk) is True
    assert mail.outbox[0].to == ["finance@haverleigh-trust.org.uk"]
    assert mail.outbox[0].attachments[0][0] == f"{invoice.number}.pdf"


def test_the_plain_text_part_is_not_html_escaped(invoice_a, media):
    """Issue 22: a plain-text email read "St Anne&#x27;s". Nothing in it is HTML."""
    invoice_a.lines.update(description="Place: Phonics that sticks — Siobhan O'Neill & Ada")
    school = invoice_a.account.school
    school.name = "St Anne's Catholic Primary School"
    school.save()
    assert emails.invoice_issued(invoice_a.pk) is True
    (message,) = mail.outbox
    assert "for St Anne's Catholic Primary School" in message.body
    assert "Siobhan O'Neill & Ada" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    html, _ = message.alternatives[0]
    # the HTML part is still escaped (the CSS inliner writes a plain apostrophe, as HTML may)
    assert "Siobhan O'Neill &amp; Ada" in html
