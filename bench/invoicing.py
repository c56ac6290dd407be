"""The monthly invoice run at scale: many schools on statements, thousands of places.

Not a test. In a throwaway PostgreSQL database it migrates, seeds the demo, adds --schools
schools on monthly statements with --places confirmed places between them (bulk-inserted: the
setup is not what is measured), then times settlement.services.run_invoicing for this month, and
times it again (the re-run must issue nothing). It reports invoices, lines, places a second,
queries per account, and checks the ledger: the sum of invoice totals equals the sum of what
the places cost, to the penny.

    .venv/bin/python bench/invoicing.py --create-db bench_invoicing --schools 500 --places 10000

--create-db refuses a database that already exists and drops it at the end (--keep-db keeps it).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

# Django's own modules read no settings when imported; the apps' modules need django.setup().
import django
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

REPO = Path(__file__).resolve().parents[1]
NEVER_TOUCH = {"cpd", "test_cpd", "postgres", "template0", "template1"}


def psql(sql):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--create-db", required=True, help="name of a new throwaway database")
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.create_db in NEVER_TOUCH:
        sys.exit(f"Refusing to use {args.create_db!r}.")
    psql(f'CREATE DATABASE "{args.create_db}"')
    try:
        run(args)
    finally:
        if not args.keep_db:
            connections.close_all()
            psql(f'DROP DATABASE IF EXISTS "{args.create_db}"')


def run(args):
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.create_db}"
    os.environ.pop("REDIS_URL", None)  # tasks run in-process; emails go to the console backend
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(REPO))
    django.setup()
    # deferred: models load in django.setup(), just above (with the repository on sys.path)
    from accounts.models import LocalAuthority, School, User
    from billing import services  # deferred: as above
    from billing.models import Account, Invoice, InvoiceLine  # deferred: as above
    from bookings.models import Booking, Enrolment  # deferred: as above
    from courses.models import CourseRun  # deferred: as above
    from settlement import services as settlement  # deferred: as above

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    t0 = time.perf_counter()
    la = LocalAuthority.objects.get(code="901")
    schools = School.objects.bulk_create(
        [
            School(
                urn=700000 + i,
                name=f"Bench School {i}",
                local_authority=la,
                type_group="la_maintained",
                phase="primary",
                # A full address, or the run would skip every bench school un-invoiced.
                street=f"{i + 1} Bench Road",
                town="Haverleigh",
                postcode="HV1 1BB",
            )
            for i in range(args.schools)
        ]
    )
    Account.objects.bulk_create(
        [Account(kind="school", school=s, invoicing="monthly") for s in schools]
    )
    people = User.objects.bulk_create(
        [User(email=f"bench{i}@bench.example") for i in range(args.places)]
    )
    runs = list(CourseRun.objects.select_related("course").exclude(status="cancelled"))
    rng = random.Random(7)
    bookings = Booking.objects.bulk_create(
        [
            Booking(
                run=rng.choice(runs),
                school=schools[i % len(schools)],
                booked_by=people[i],
                po_number=f"PO-{i}",
            )
            for i in range(args.places)
        ]
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                booking=b,
                run_id=b.run_id,
                delegate=b.booked_by,
                status="confirmed",
                price=services.money(str(rng.choice([0, 95, 120, 180, 240, 395]))),
                vat_rate=services.VAT_RATES[b.run.course.vat_treatment],
            )
            for b in bookings
        ]
    )
    expected_gross = sum(e.price + services.vat_on(e.price, e.vat_rate) for e in enrolments)
    print(
        f"setup: {args.schools} schools, {args.places} places in {time.perf_counter() - t0:.1f} s"
    )

    period = timezone.localdate().strftime("%Y-%m")
    bench_invoices = Invoice.objects.filter(account__school__urn__range=(700000, 799999))
    queries = []
    with connection.execute_wrapper(lambda execute, *a: queries.append(1) or execute(*a)):
        t0 = time.perf_counter()
        report = settlement.run_invoicing(period)
        first = time.perf_counter() - t0
    lines = InvoiceLine.objects.filter(invoice__in=bench_invoices).count()
    invoiced = services.total(bench_invoices, "gross")
    t0 = time.perf_counter()
    again = settlement.run_invoicing(period)
    second = time.perf_counter() - t0
    print(f"first run:  {report}")
    print(
        f"            {first:.1f} s, {bench_invoices.count()} bench invoices with {lines} lines, "
        f"{args.places / first:.0f} places/s, {len(queries) / report.accounts:.0f} queries/account"
    )
    print(f"re-run:     {again} in {second:.1f} s")
    print(
        f"ledger:     invoiced £{invoiced} for places costing £{expected_gross}: "
        + ("balanced" if invoiced == expected_gross else "MISMATCH")
    )
    if invoiced != expected_gross or again.invoices:
        sys.exit(1)


if __name__ == "__main__":
    main()
