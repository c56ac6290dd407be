"""An account's statement as CSV rows."""

from core.exports import spreadsheet_safe

STATEMENT_HEADINGS = [
    "Date",
    "Type",
    "Number",
    "Invoice",
    "Details",
    "Amount",
    "Outstanding",
    "Due",
]


def statement_rows(statement):
    """Heading, then invoices, credit notes and payments by date, then the balance."""
    rows = []
    for invoice in statement.invoices:
        rows.append(
            (
                invoice.issued_on,
                "Invoice",
                invoice.number,
                invoice.number,
                f"PO {invoice.po_number}" if invoice.po_number else "",
                invoice.gross,
                invoice.owed,
                invoice.due_on,
            )
        )
    for note in statement.credit_notes:
        rows.append(
            (note.issued_on, "Credit note", note.number, note.invoice.number, note.reason,
             -note.gross, "", "")
        )  # fmt: skip
    for payment in statement.payments:
        details = payment.get_method_display()
        if payment.reference:
            details += f": {payment.reference}"
        rows.append(
            (payment.received_on, "Payment", "", payment.invoice.number, details,
             -payment.amount, "", "")
        )  # fmt: skip
    # Date, then documents before the payments of that day, then number.
    rows.sort(key=lambda row: (row[0], row[1] == "Payment", row[2]))
    yield STATEMENT_HEADINGS
    for row in rows:
        yield [spreadsheet_safe(v) if isinstance(v, str) else v for v in row]
    yield []
    yield ["", "Outstanding", "", "", "", "", statement.owed, ""]
    yield ["", "Of which overdue", "", "", "", "", statement.overdue, ""]
    yield ["", "Credit held", "", "", "", "", statement.credit, ""]
    yield ["", "Balance (negative: in credit)", "", "", "", "", statement.balance, ""]
