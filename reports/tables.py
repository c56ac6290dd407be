"""A report's figures as tables: what the page shows, the charts draw and the exports write.

One Table feeds all three, so the CSV, the XLSX and the chart cannot disagree with the page."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from core.exports import spreadsheet_safe

TEXT, COUNT, MONEY, PERCENT, DECIMAL = "text", "count", "money", "percent", "decimal"


@dataclass
class Column:
    heading: str
    kind: str = TEXT


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    colours: list = field(default_factory=list)  # a hex colour per row, for charts
    footer: list | None = None
    note: str = ""
    page_limit: int | None = None  # the page shows this many rows; exports show them all
    sheet: str = ""  # the XLSX sheet's name when the title is too long for one (31 characters)

    @property
    def headings(self):
        return [c.heading for c in self.columns]

    def column(self, heading):
        return self.headings.index(heading)

    def values(self, heading):
        i = self.column(heading)
        return [row[i] for row in self.rows]

    def page_rows(self):
        """(colour or "", [(value, kind), ...]) per row the page shows."""
        kinds = [c.kind for c in self.columns]
        rows = self.rows[: self.page_limit] if self.page_limit else self.rows
        colours = self.colours or [""] * len(rows)
        return [
            (colour, list(zip(row, kinds, strict=True)))
            for colour, row in zip(colours, rows, strict=False)
        ]

    @property
    def hidden_rows(self):
        return max(0, len(self.rows) - self.page_limit) if self.page_limit else 0

    def footer_cells(self):
        if not self.footer:
            return None
        return list(zip(self.footer, [c.kind for c in self.columns], strict=True))


def display(value, kind):
    """A cell as the page prints it."""
    if value is None or value == "":
        return "—" if kind != TEXT else ""
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if kind == MONEY:
        value = Decimal(value)
        sign = "−" if value < 0 else ""
        return f"{sign}£{abs(value):,.2f}"
    if kind == PERCENT:
        return f"{value:.1f}%"
    if kind == DECIMAL:
        return f"{value:.2f}"
    if kind == COUNT:
        return f"{value:,}"
    return str(value)


def _export_value(value, kind):
    if value is None:
        return ""
    if kind == TEXT:
        return spreadsheet_safe(value)
    if kind == PERCENT:
        return round(Decimal(str(value)), 1)
    return value


def _export_rows(table):
    kinds = [c.kind for c in table.columns]
    yield table.headings
    for row in table.rows:
        yield [_export_value(v, k) for v, k in zip(row, kinds, strict=True)]
    if table.footer:
        yield [_export_value(v, k) for v, k in zip(table.footer, kinds, strict=True)]


def csv_response(table, filename):
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
    response.write("\ufeff")  # the BOM makes Excel read UTF-8
    writer = csv.writer(response)
    for row in _export_rows(table):
        writer.writerow(row)
    return response


XLSX_FORMATS = {MONEY: "£#,##0.00", PERCENT: "0.0", DECIMAL: "0.00", COUNT: "0"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_title(title, taken):
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook.
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def xlsx_response(tables, filename, description=""):
    """One sheet per table; money as numbers formatted in pounds, so totals still add up."""
    # deferred: heavy (openpyxl, a third of a second), only for an XLSX export
    from openpyxl import Workbook, styles

    book = Workbook()
    book.remove(book.active)
    taken = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.sheet or table.title, taken))
        for row in _export_rows(table):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = styles.Font(bold=True)
        for i, column in enumerate(table.columns, start=1):
            number_format = XLSX_FORMATS.get(column.kind)
            width = max(12, min(50, len(column.heading) + 2))
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = width
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    if description:
        book.properties.description = description
    buffer = io.BytesIO()
    book.save(buffer)
    return HttpResponse(
        buffer.getvalue(),
        content_type=XLSX_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
