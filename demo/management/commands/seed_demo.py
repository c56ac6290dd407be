from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.people import demo_logins
from demo.scale import seed_scale
from demo.seed import seed_demo


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
        seed_demo(stdout=self.stdout, history=options["history"])
        if options["scale"]:
            seed_scale(options["scale"], stdout=self.stdout)
        if options["logins"]:
            self.stdout.write("\nDemo logins (email, password, role)")
            for email, password, what in demo_logins():
                self.stdout.write(f"  {email:<36} {password:<16} {what}")
