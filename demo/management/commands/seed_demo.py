import logging
from contextlib import contextmanager

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from demo.bookings import open_register_today
from demo.people import demo_logins
from demo.scale import seed_scale
from demo.seed import seed_demo

# Under `make run` tasks run in-process: one INFO line per task, and every email the demo's
# bookings and invoices send on the console, would bury the summary.
# kombu warns once that it has no broker hostname, though in-process tasks need none.
QUIET_LOGGERS = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


@contextmanager
def quietly():
    """Task log lines at WARNING and above only, and the demo's emails kept in memory."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(QUIET_LOGGERS[logger.name])
    kept = getattr(mail, "outbox", None)
    mail.outbox = []
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield mail.outbox
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        if kept is None:
            del mail.outbox
        else:
            mail.outbox = kept


class Command(BaseCommand):
    help = "Create the demo programme, schools and users. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="Print the demo logins.")
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also past runs with registers, evaluations, certificates and CPD records.",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also N generated courses with 3 runs each, for benchmarks (adds only missing).",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is disabled under these settings (it sets known passwords)."
            )
        if options["scale"] < 0:
            raise CommandError("--scale takes a number of courses, 0 or more.")
        with quietly() as sent:
            seed_demo(stdout=self.stdout, history=options["history"])
            if options["scale"]:
                seed_scale(options["scale"], stdout=self.stdout)
        if sent:
            self.stdout.write(
                f"{len(sent)} email{'' if len(sent) == 1 else 's'} from the demo's bookings "
                "and invoices kept off the console; emails from now on are printed there."
            )
        if options["history"]:
            run = open_register_today()
            if run is not None:
                self.stdout.write(
                    f"Register open today: {run.course.title} ({run.reference}), for "
                    "facilitator@example.gov.uk at /registers/."
                )
        self.stdout.write(f"Links in emails and PDFs start {settings.WAGTAILADMIN_BASE_URL}")
        if options["logins"]:
            self.stdout.write("\nDemo logins (email, password, role)")
            for email, password, what in demo_logins():
                self.stdout.write(f"  {email:<36} {password:<16} {what}")
