"""Properties of money on invoices, for any lines: totals add up to the penny, VAT is per line
and half-up, re-reading never changes a total, and nothing is ever a float."""

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import pdf, services
from billing.models import CreditNote, Invoice
from tests.factories import cast

PERMILLE = {"standard": 200, "zero": 0, "exempt": 0}

pence = st.integers(min_value=0, max_value=2_000_000)
lines = st.lists(st.tuples(pence, st.sampled_from(sorted(PERMILLE))), min_size=1, max_size=12)


def half_up_vat(net_pence, permille):
    """VAT in pence worked out in whole numbers: net × rate, rounded half-up."""
    return (net_pence * permille + 500) // 1000


def _gbp(pence_total):
    return f"£{pence_total // 100:,}.{pence_total % 100:02d}"


def _printed_totals(invoice):
    """The totals table of the invoice as its PDF would print it."""
    html = pdf.invoice_html(invoice)
    rows = re.findall(r'<th scope="row">(Total[^<]*)</th><td class="num">([^<]*)</td>', html)
    return dict(rows)


@pytest.fixture
def account(db):
    """Greenway Independent School's account (invoiced per booking)."""
    return services.school_account(cast.school(990006))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=lines)
def test_invoice_totals_are_the_sum_of_their_lines(account, lines):
    invoice = Invoice.objects.create(account=account)
    for net_pence, treatment in lines:
        services._add_line(
            invoice,
            description="Place",
            net=Decimal(net_pence) / 100,
            vat_treatment=treatment,
        )
    invoice = services.issue_invoice(invoice)

    expected_net = sum(n for n, _ in lines)
    expected_vat = sum(half_up_vat(n, PERMILLE[t]) for n, t in lines)
    assert invoice.net * 100 == expected_net
    assert invoice.vat * 100 == expected_vat
    assert invoice.gross == invoice.net + invoice.vat
    for line in invoice.lines.all():
        assert line.vat * 100 == half_up_vat(int(line.net * 100), PERMILLE[line.vat_treatment])
        assert line.gross == line.net + line.vat
    assert invoice.gross == sum(line.gross for line in invoice.lines.all())

    # Re-reading from the database never changes a total, and nothing is a float.
    again = Invoice.objects.get(pk=invoice.pk)
    assert (again.net, again.vat, again.gross) == (invoice.net, invoice.vat, invoice.gross)
    # Re-rendering prints the same totals, each the sum worked out in whole pence above.
    first, second = _printed_totals(again), _printed_totals(Invoice.objects.get(pk=invoice.pk))
    assert (
        first
        == second
        == {
            "Total net": _gbp(expected_net),
            "Total VAT": _gbp(expected_vat),
            "Total": _gbp(expected_net + expected_vat),
        }
    )
    for value in (again.net, again.vat, again.gross, services.outstanding(again)):
        assert isinstance(value, Decimal)
    for line in again.lines.all():
        assert all(isinstance(v, Decimal) for v in (line.net, line.vat, line.gross, line.vat_rate))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=lines, share=st.integers(min_value=1, max_value=100))
def test_crediting_part_of_every_line_keeps_the_ledger_balanced(account, lines, share):
    invoice = Invoice.objects.create(account=account)
    for net_pence, treatment in lines:
        services._add_line(
            invoice, description="Place", net=Decimal(net_pence + 1) / 100, vat_treatment=treatment
        )
    invoice = services.issue_invoice(invoice)
    credit = [(line, services.percent_of(line.net, share)) for line in invoice.lines.all()]
    credit = [(line, net) for line, net in credit if net > 0]
    if not credit:
        return
    note = services.issue_credit_note(invoice, credit, reason="Part credit")
    assert note.gross == note.net + note.vat
    assert note.gross == sum(line.gross for line in note.lines.all())
    assert services.outstanding(invoice) == invoice.gross - note.gross
    assert isinstance(CreditNote.objects.get(pk=note.pk).gross, Decimal)


@given(
    value=st.floats(allow_nan=True, allow_infinity=True),
    rate=st.sampled_from([Decimal("0.200"), Decimal("0.000")]),
)
def test_no_money_function_accepts_a_float(value, rate):
    for call in (
        lambda: services.money(value),
        lambda: services.vat_on(value, rate),
        lambda: services.vat_on(Decimal("10.00"), value),
        lambda: services.percent_of(value, 10),
        lambda: services.percent_of(Decimal("10.00"), value),
    ):
        with pytest.raises(TypeError, match="never a float"):
            call()


def test_a_payment_in_a_float_is_refused_and_writes_nothing(account):
    invoice = Invoice.objects.create(account=account)
    services._add_line(invoice, description="Place", net=Decimal("12.50"), vat_treatment="zero")
    invoice = services.issue_invoice(invoice)
    with pytest.raises(TypeError, match="never a float"):
        services.record_payment(invoice, 12.5, method="bacs")  # exactly representable, still no
    assert not invoice.payments.exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_no_billing_column_is_a_float():
    from django.apps import apps
    from django.db import models

    floats = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("billing").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []
