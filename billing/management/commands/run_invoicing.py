import sys

from django.core.management.base import BaseCommand, CommandError

from billing.runs import run_invoicing
from billing.services import BillingError


def progress_bar(stream, width=30):
    """A one-line bar on a terminal; plain 'n/total' lines when output is a file or a pipe."""
    tty = hasattr(stream, "isatty") and stream.isatty()

    def show(done, total):
        if tty:
            filled = int(width * done / total) if total else width
            stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} accounts")
            if done == total:
                stream.write("\n")
        else:
            stream.write(f"{done}/{total} accounts\n")
        stream.flush()

    return show


class Command(BaseCommand):
    help = "Issue statement invoices for a month (YYYY-MM). Safe to run again: no duplicates."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month, e.g. 2026-11")

    def handle(self, *args, period, **options):
        try:
            report = run_invoicing(period, progress=progress_bar(sys.stderr))
        except BillingError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(report))
