"""Spreadsheets the admin hands out (Wagtail's list exports, form submissions, the project's
own CSVs): text typed by the public can never run as a formula, Excel reads the CSV as UTF-8,
and times are London wall-clock times to the minute, as staff see them on screen."""

import datetime

from django.utils import timezone

LONDON_MINUTE = "%Y-%m-%d %H:%M"


def spreadsheet_safe(value):
    """Names and needs are typed by the public: a leading = + - @ would run as an Excel formula."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def spreadsheet_time(value):
    """2026-12-07 14:05 in London time (settings.TIME_ZONE), not UTC with microseconds."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(LONDON_MINUTE)


class SafeSpreadsheetExportMixin:
    """For any view with Wagtail's SpreadsheetExportMixin (IndexView, form submissions)."""

    def preprocess_field_value(self, field, value, export_format):
        if isinstance(value, datetime.datetime):
            return spreadsheet_time(value)
        value = super().preprocess_field_value(field, value, export_format)
        return spreadsheet_safe(value) if isinstance(value, str) else value

    def stream_csv(self, queryset):
        yield "\ufeff"  # the BOM makes Excel read UTF-8 (accents, curly quotes)
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response
