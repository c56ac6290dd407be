"""Invoice rules the settlement tests do not name: an issued invoice never changes, the monthly
command shows its progress and reports what it did (and a re-run issues nothing), and a
consortium's budget is one pot shared by its member schools."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Consortium
from billing import runs, services
from billing.models import (
    Account,
    CreditEntry,
    Invoice,
    InvoiceLine,
    IssuedInvoiceChanged,
    Payment,
)
from tests.factories import billing, cast

D = Decimal


def _issued(account):
    invoice = Invoice.objects.create(account=account, po_number="PO-1")
    services._add_line(invoice, description="Place", net=D("100.00"), vat_treatment="standard")
    return services.issue_invoice(invoice)


@pytest.fixture
def account(db):
    """Greenway Independent School's account (an independent school outside the partner area,
    invoiced per booking)."""
    return services.school_account(cast.school(990006))


@pytest.mark.parametrize(
    "field, value",
    [("po_number", "PO-2"), ("net", D("1.00")), ("due_on", None), ("number", "CPD-1999-000001")],
)
def test_an_issued_invoice_cannot_be_edited(account, field, value):
    invoice = _issued(account)
    again = Invoice.objects.get(pk=invoice.pk)
    setattr(again, field, value)
    with pytest.raises(IssuedInvoiceChanged, match="credit note"):
        again.save()
    with pytest.raises(IssuedInvoiceChanged):
        again.save(update_fields=[field])
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.po_number, stored.net, stored.number) == ("PO-1", D("100.00"), invoice.number)


def test_an_issued_invoice_cannot_go_back_to_draft_or_be_deleted(account):
    invoice = Invoice.objects.get(pk=_issued(account).pk)
    invoice.status = Invoice.Status.DRAFT
    with pytest.raises(IssuedInvoiceChanged, match="back to draft"):
        invoice.save(update_fields=["status"])
    with pytest.raises(IssuedInvoiceChanged):
        Invoice.objects.get(pk=invoice.pk).delete()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_an_issued_invoice_s_lines_cannot_be_added_changed_or_removed(account):
    invoice = _issued(account)
    with pytest.raises(IssuedInvoiceChanged):
        services._add_line(invoice, description="Extra", net=D("5.00"), vat_treatment="zero")
    line = InvoiceLine.objects.get(invoice=invoice)
    line.description = "Something else"
    with pytest.raises(IssuedInvoiceChanged):
        line.save()
    with pytest.raises(IssuedInvoiceChanged):
        line.delete()
    assert list(invoice.lines.values_list("description", flat=True)) == ["Place"]


def test_an_issued_invoice_still_takes_payments_and_its_pdf(account, settings, tmp_path):
    from billing import pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    invoice = _issued(account)
    services.record_payment(invoice, D("120.00"), method=Payment.Method.BACS)
    assert pdf.invoice_pdf(Invoice.objects.get(pk=invoice.pk))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.status == Invoice.Status.PAID and stored.pdf


def test_a_draft_can_still_be_edited_and_deleted(account):
    draft = Invoice.objects.create(account=account)
    line = services._add_line(draft, description="Place", net=D("1.00"), vat_treatment="zero")
    draft.po_number = "PO-9"
    draft.save()
    line.delete()
    draft.delete()
    assert not Invoice.objects.filter(pk=draft.pk).exists()


# --- the monthly command -------------------------------------------------------------------------


def _snapshot(account):
    return sorted(
        Invoice.objects.filter(account=account).values_list(
            "pk", "number", "net", "vat", "gross", "period"
        )
    )


def test_run_invoicing_command_shows_progress_reports_and_a_rerun_changes_nothing(
    priced_run, school, book, on_commit, capsys
):
    account = services.school_account(school)
    account.invoicing = Account.Invoicing.MONTHLY
    account.save()
    with on_commit():
        booking = book(priced_run, school, n=2, po_number="PO-77")
    period = timezone.localdate().strftime("%Y-%m")

    out = io.StringIO()
    call_command("run_invoicing", period=period, stdout=out)
    first = _snapshot(account)
    bar = capsys.readouterr().err
    report = out.getvalue()
    # Not a terminal here, so the bar is a line per account, ending at n/n.
    lines = bar.strip().splitlines()
    total = int(lines[-1].split("/")[1].split()[0])
    assert lines[-1] == f"{total}/{total} accounts" and total >= 1
    assert lines == [f"{n}/{total} accounts" for n in range(1, total + 1)]
    # A period is shown as a month (item 8): "December 2026", not "2026-12".
    assert f"{timezone.localdate():%B %Y}: {total} account(s) checked" in report
    assert "invoice(s) issued" in report and "£" in report
    statement = Invoice.objects.get(account=account, period=period)
    assert {line.enrolment_id for line in statement.lines.all()} == set(
        booking.enrolments.values_list("pk", flat=True)
    )

    out = io.StringIO()
    call_command("run_invoicing", period=period, stdout=out)
    assert _snapshot(account) == first
    assert "0 invoice(s) issued for £0" in out.getvalue()


def test_a_terminal_gets_a_one_line_progress_bar():
    from billing.management.commands.run_invoicing import progress_bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    show = progress_bar(screen, width=10)
    for done in range(1, 5):
        show(done, 4)
    assert screen.getvalue().endswith("\r[##########] 4/4 accounts\n")
    assert "\r[#####.....] 2/4 accounts" in screen.getvalue()


def test_the_monthly_run_is_scheduled_on_the_first_for_last_month(monkeypatch, settings):
    import datetime as dt

    from billing import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["monthly-invoicing"]
    assert entry["task"] == tasks.run_monthly_invoicing.name
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {6}, {0})
    asked = []
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2027, 1, 1))
    monkeypatch.setattr(runs, "run_invoicing", lambda period: asked.append(period) or "done")
    assert tasks.run_monthly_invoicing() == "done"
    assert asked == ["2026-12"]


@pytest.mark.parametrize("period", ["2026-13", "November", "2026-1"])
def test_run_invoicing_command_refuses_a_bad_month_and_issues_nothing(db, period):
    before = Invoice.objects.count()
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("run_invoicing", period=period, stdout=io.StringIO())
    assert Invoice.objects.count() == before


# --- a consortium's shared budget -------------------------------------------------------------


def test_member_schools_draw_on_one_consortium_budget_until_it_runs_out(
    people, priced_run, book, on_commit
):
    brookvale = cast.school(990004)  # partner-area special school: £200 + £40 VAT
    riverside = people["school_b"]  # Riverside Academy, partner-area academy: £220 + £44 VAT
    billing.consortium_budget("Haverleigh Special Schools Partnership", brookvale)
    consortium = Consortium.objects.get(schools=brookvale)
    consortium.schools.add(riverside)
    riverside.bookings_need_approval = False
    riverside.save()
    brookvale.bookings_need_approval = False
    brookvale.save()
    budget = Account.objects.get(consortium=consortium)
    for school in (brookvale, riverside):
        assert services.credit_balance(services.school_account(school)) == 0
    # Leave exactly enough in the pot for one place from each school.
    services.adjust_credit(
        budget, D("504.00") - services.credit_balance(budget), reason="Test: top to £504", by=None
    )

    with on_commit():
        from_brookvale = book(priced_run, brookvale, n=1)
    with on_commit():
        from_riverside = book(priced_run, riverside, n=1)
    assert services.credit_balance(budget) == 0
    for booking, gross in [(from_brookvale, D("240.00")), (from_riverside, D("264.00"))]:
        invoice = Invoice.objects.get(booking=booking)
        assert invoice.gross == gross and invoice.status == Invoice.Status.PAID
        draw = CreditEntry.objects.get(enrolment__booking=booking, kind="draw")
        assert (draw.account, draw.amount) == (budget, -gross)

    # The pot is empty: the next place is invoiced to the school, with nothing drawn.
    with on_commit():
        unfunded = book(priced_run, riverside, n=1)
    invoice = Invoice.objects.get(booking=unfunded)
    assert invoice.account == services.school_account(riverside)
    assert invoice.status == Invoice.Status.ISSUED and services.outstanding(invoice) == D("264.00")
    assert not CreditEntry.objects.filter(enrolment__booking=unfunded).exists()
    assert services.credit_balance(budget) == 0


def test_a_school_s_own_credit_is_drawn_before_its_consortium_s_budget(priced_run, book, on_commit):
    brookvale = cast.school(990004)
    billing.consortium_budget("Haverleigh Special Schools Partnership", brookvale)
    brookvale.bookings_need_approval = False
    brookvale.save()
    budget = Account.objects.get(consortium__schools=brookvale)
    own = services.school_account(brookvale)
    assert budget.pk < own.pk  # the consortium's account was made first, as in the demo
    services.adjust_credit(own, D("240.00"), reason="Own credit", by=None)
    before = services.credit_balance(budget)
    with on_commit():
        booking = book(priced_run, brookvale, n=1)  # £200 + £40 VAT
    draw = CreditEntry.objects.get(enrolment__booking=booking, kind="draw")
    assert draw.account == own
    assert services.credit_balance(budget) == before


def test_a_centrally_billing_trusts_credit_is_drawn_at_booking(people, priced_run, book, on_commit):
    from accounts.models import Trust

    riverside = people["school_b"]  # partner-area academy: £220 + £44 VAT
    riverside.trust = Trust.objects.create(
        uid="T-9", name="Brightwater Trust", billed_centrally=True
    )
    riverside.bookings_need_approval = False
    riverside.save()
    pot = services.billed_account(riverside)
    services.adjust_credit(pot, D("300.00"), reason="Trust credit", by=None)
    with on_commit():
        booking = book(priced_run, riverside, n=1)
    draw = CreditEntry.objects.get(enrolment__booking=booking, kind="draw")
    assert (draw.account, draw.amount) == (pot, D("-264.00"))
    assert services.credit_balance(pot) == D("36.00")
