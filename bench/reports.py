"""The Reports pages over a year of data: ≥10,000 places, their invoices and evaluations.

Not a test. In a throwaway PostgreSQL database it migrates, seeds the demo, then bulk-inserts
(not measured) --schools schools, --runs runs in this academic year, --places places across
them (attended, no-show, confirmed, cancelled), a waiting list, evaluations and impact
follow-ups for attended places, an invoice per school with a line per charged place, credit
notes for cancellations and payments for half the invoices. Then it renders each report page
as a service manager through the Django test client, --repeat times, and prints the median and
95th-percentile time and the number of queries per page.

    .venv/bin/python bench/reports.py --create-db bench_reports --places 12000

--create-db refuses a database that already exists and drops it at the end (--keep-db keeps it).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

# Django's own modules read no settings when imported; the apps' modules need django.setup().
import django
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
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
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--places", type=int, default=12_000)
    parser.add_argument("--repeat", type=int, default=9)
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


def seed(args):
    # deferred: the apps need run()'s sys.path and django.setup() first
    from accounts.models import Consortium, LocalAuthority, School, User
    from billing.models import (  # deferred: as above
        Account,
        CreditNote,
        CreditNoteLine,
        Invoice,
        InvoiceLine,
        Payment,
    )
    from bookings.models import (  # deferred: as above
        Booking,
        Enrolment,
        Evaluation,
        ImpactFollowUp,
        WaitingListEntry,
    )
    from core.academic_year import AcademicYear  # deferred: as above
    from courses.models import CoursePage, CourseRun, Session  # deferred: as above

    rng = random.Random(11)
    year = AcademicYear.current()
    las = list(LocalAuthority.objects.all())
    phases = ["primary", "primary", "secondary", "nursery", "all_through"]
    statuses = ["open"] * 9 + ["closed"]
    schools = School.objects.bulk_create(
        School(
            urn=600000 + i,
            name=f"Bench School {i}",
            local_authority=las[i % len(las)],
            type_group="la_maintained",
            phase=phases[i % len(phases)],
            status=statuses[i % len(statuses)],
        )
        for i in range(args.schools)
    )
    for c in range(6):
        consortium = Consortium.objects.create(name=f"Bench consortium {c}")
        consortium.schools.set(schools[c::12])
    accounts = Account.objects.bulk_create(Account(kind="school", school=s) for s in schools)
    account_of = {a.school_id: a for a in accounts}

    courses = list(CoursePage.objects.all())
    runs = CourseRun.objects.bulk_create(
        CourseRun(
            course=courses[i % len(courses)],
            reference=f"BENCH-{i:05d}",
            capacity=rng.choice([12, 16, 20, 24, 30, 40]),
            status="closed",
        )
        for i in range(args.runs)
    )
    first_day = year.starts_at + timedelta(days=7)
    Session.objects.bulk_create(
        Session(run=run, starts_at=start, ends_at=start + timedelta(hours=3))
        for run in runs
        for start in [first_day + timedelta(days=rng.randrange(0, 330), hours=9)]
    )

    people = User.objects.bulk_create(
        User(email=f"bench{i}@bench.example") for i in range(args.places + 2_000)
    )
    booker = people[-1]
    bookings = Booking.objects.bulk_create(
        Booking(run=rng.choice(runs), school=rng.choice(schools), booked_by=booker)
        for _ in range(args.places // 3)
    )
    now = timezone.now()
    weights = [("attended", 6), ("no_show", 1), ("confirmed", 2), ("cancelled", 1)]
    pool = [s for s, w in weights for _ in range(w)]
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            booking=bookings[i % len(bookings)],
            run_id=bookings[i % len(bookings)].run_id,
            delegate=people[i],
            status=(status := rng.choice(pool)),
            price=Decimal(rng.choice([95, 120, 180, 240])),
            cancelled_at=now if status == "cancelled" else None,
        )
        for i in range(args.places)
    )
    WaitingListEntry.objects.bulk_create(
        WaitingListEntry(
            run=rng.choice(runs), person=people[args.places + i], school=rng.choice(schools),
            added_by=booker,
        )
        for i in range(1_500)
    )  # fmt: skip
    attended = [e for e in enrolments if e.status == "attended"]
    Evaluation.objects.bulk_create(
        Evaluation(
            enrolment=e, quality=rng.randint(1, 5), relevance=rng.randint(1, 5),
            facilitator=rng.randint(1, 5), will_do_differently="Plan with the data.",
            comments=rng.choice(["", "", "Useful.", "Too long."]), submitted_at=now,
        )
        for e in attended[::2]
    )  # fmt: skip
    ImpactFollowUp.objects.bulk_create(
        ImpactFollowUp(
            enrolment=e,
            delegate_answer="Better questioning." if i % 2 else "",
            delegate_answered_at=now if i % 2 else None,
        )
        for i, e in enumerate(attended[::4])
    )

    # An invoice per school for its charged places; cancellations credited; half paid.
    school_of = {b.pk: b.school_id for b in bookings}
    by_school = {}
    for e in enrolments:
        by_school.setdefault(school_of[e.booking_id], []).append(e)
    issued = year.first_day + timedelta(days=40)
    invoices, line_sets = [], []
    for n, (school_id, places) in enumerate(by_school.items()):
        net = sum((e.price for e in places), Decimal(0))
        vat = (net * Decimal("0.2")).quantize(Decimal("0.01"))
        invoices.append(
            Invoice(
                number=f"BENCH-{n:06d}", account=account_of[school_id], status="issued",
                issued_on=issued + timedelta(days=n % 200), due_on=issued + timedelta(days=230),
                net=net, vat=vat, gross=net + vat,
            )
        )  # fmt: skip
        line_sets.append(places)
    invoices = Invoice.objects.bulk_create(invoices)
    lines = InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice, enrolment=e, description="A place", vat_treatment="standard",
            vat_rate=Decimal("0.200"), net=e.price, vat=e.price * Decimal("0.2"),
            gross=e.price * Decimal("1.2"),
        )
        for invoice, places in zip(invoices, line_sets, strict=True)
        for e in places
    )  # fmt: skip
    cancelled = [line for line in lines if line.enrolment.status == "cancelled"]
    notes = CreditNote.objects.bulk_create(
        CreditNote(
            number=f"BCN-{i:06d}", account=line.invoice.account, invoice=line.invoice,
            issued_on=line.invoice.issued_on + timedelta(days=10), reason="Cancelled",
            net=line.net, vat=line.vat, gross=line.gross, returned=Decimal(0),
        )
        for i, line in enumerate(cancelled)
    )  # fmt: skip
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note, invoice_line=line, enrolment=line.enrolment, description="A place",
            net=line.net, vat=line.vat, gross=line.gross,
        )
        for note, line in zip(notes, cancelled, strict=True)
    )  # fmt: skip
    Payment.objects.bulk_create(
        Payment(
            account=invoice.account, invoice=invoice, method="bacs", amount=invoice.net,
            applied=invoice.net, refunded=Decimal(0), received_on=invoice.issued_on,
        )
        for invoice in invoices[::2]
    )  # fmt: skip
    return {
        "places": len(enrolments),
        "waiting": WaitingListEntry.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "impact follow-ups": ImpactFollowUp.objects.count(),
        "invoices": len(invoices),
        "invoice lines": len(lines),
        "credit notes": len(notes),
        "payments": len(invoices[::2]),
    }


def run(args):
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.create_db}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["ADMIN_MFA_REQUIRED"] = "false"
    sys.path.insert(0, str(REPO))
    django.setup()
    # deferred: models load in django.setup(), just above (with the repository on sys.path)
    from accounts.models import User
    from reports.services import REPORTS  # deferred: as above

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    t0 = time.perf_counter()
    counts = seed(args)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    made = ", ".join(f"{n} {what}" for what, n in counts.items())
    print(f"setup: {made} in {time.perf_counter() - t0:.1f} s")

    client = Client()
    client.force_login(User.objects.get(email="manager@example.gov.uk"))
    print(f"{'report':<12} {'median':>9} {'p95':>9} {'queries':>8}")
    for slug in REPORTS:
        path = reverse("reports:report", args=[slug])
        client.get(path)  # warm up
        times, queries = [], []
        for _ in range(args.repeat):
            counted = []
            with connection.execute_wrapper(
                lambda execute, *a, c=counted: c.append(1) or execute(*a)
            ):
                t = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - t)
            queries.append(len(counted))
            assert response.status_code == 200, (slug, response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{slug:<12} {statistics.median(times) * 1000:7.0f} ms {p95 * 1000:7.0f} ms "
            f"{max(queries):>8}"
        )


if __name__ == "__main__":
    main()
