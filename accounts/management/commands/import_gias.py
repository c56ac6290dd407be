from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.gias import LA_CODE, READING, GiasFormatError, import_establishments

MAX_PRINTED = 50  # per list, so a file of broken rows cannot flood the terminal


class Command(BaseCommand):
    help = (
        "Create and update schools from a GIAS establishments CSV (edubasealldata*.csv from "
        "https://get-information-schools.service.gov.uk/Downloads), matching on URN. "
        "Rows with problems are listed by line number and left out. With --verbosity 0 only "
        "those problems are printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The GIAS establishment fields CSV.")
        parser.add_argument(
            "--la",
            metavar="CODES",
            help="Only import schools in these local authorities: comma-separated LA codes, "
            "e.g. 202,203.",
        )

    def handle(self, *args, file, la, verbosity, **options):
        la_codes = _la_codes(la) if la is not None else None
        bar = ProgressBar(self.stderr) if verbosity >= 1 and self.stderr.isatty() else None
        try:
            report = import_establishments(file, la_codes=la_codes, progress=bar)
        except GiasFormatError as error:
            raise CommandError(f"{file.name}: {error} Nothing was imported.") from error
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from error
        finally:
            if bar:
                bar.close()

        self._list(report.problems, "not imported")
        self._list(report.warnings, "imported with a value left blank")
        if report.trust_name_conflicts:
            self.stdout.write(self.style.WARNING("Trust codes with more than one name:"))
            for conflict in report.trust_name_conflicts[:MAX_PRINTED]:
                self.stdout.write(f"  {conflict}")
        if verbosity < 1:
            return
        encoding = "UTF-8" if report.encoding.startswith("utf") else "Windows-1252"
        summary = (
            f"{file.name} ({encoding}): {_rows(report.rows)}. Schools: {report.created:,} "
            f"created, {report.updated:,} updated, {report.unchanged:,} unchanged. "
            f"{_rows(len(report.problems))} with problems not imported."
        )
        if la_codes is not None:
            summary += f" {_rows(report.skipped_by_la)} outside LA {', '.join(la_codes)} skipped."
        self.stdout.write((self.style.WARNING if report.problems else self.style.SUCCESS)(summary))
        self.stdout.write(
            f"Local authorities: {report.authorities_created:,} created, "
            f"{report.authorities_renamed:,} renamed. Trusts: {report.trusts_created:,} "
            f"created, {report.trusts_renamed:,} renamed."
        )
        if report.la_codes_not_found:
            self.stdout.write(
                self.style.WARNING(
                    f"No rows in the file for LA {', '.join(report.la_codes_not_found)}."
                )
            )

    def _list(self, problems, outcome):
        if not problems:
            return
        self.stdout.write(self.style.WARNING(f"{_rows(len(problems))} {outcome}:"))
        for line, message in problems[:MAX_PRINTED]:
            self.stdout.write(f"  line {line}: {message}")
        if len(problems) > MAX_PRINTED:
            self.stdout.write(f"  …and {len(problems) - MAX_PRINTED:,} more")


def _rows(count):
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _la_codes(value):
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise CommandError("--la needs at least one LA code, e.g. --la 202,203")
    if bad := [code for code in codes if not LA_CODE.fullmatch(code)]:
        raise CommandError(f"LA codes are three digits; not: {', '.join(bad)}")
    return codes


class ProgressBar:
    """A one-line text bar, redrawn in place; a new line per stage."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.drawn = None

    def __call__(self, stage, done, total):
        percent = 100 if total == 0 else min(100, done * 100 // total)
        if self.drawn == (stage, percent):
            return
        if self.drawn and self.drawn[0] != stage:
            self._write("\n")
        filled = self.WIDTH * percent // 100
        label = "Reading" if stage == READING else "Saving"
        self._write(
            f"\r{label:<8}[{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%  "
            f"{done:,}/{total:,}"
        )
        self.drawn = (stage, percent)

    def close(self):
        if self.drawn:
            self._write("\n")

    def _write(self, text):
        # Plain text: the command's stderr would otherwise colour it as an error.
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()
