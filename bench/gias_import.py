"""Benchmark the GIAS import (accounts.gias) on a realistic, national-sized file.

Not a test. It writes N establishments (default 50,000, about the size of the national
edubasealldata file) in GIAS's layout and encoding (cp1252, CRLF, 139 columns) to a temporary
file, then times three imports against the configured database:

  1. first import (every school created),
  2. re-import of the same file (nothing changed: read and compare only),
  3. re-import with every school's name changed (every school updated).

It refuses to run unless DATABASE_URL is set and the database has no schools, so it cannot
touch a real one. Use a throwaway database, and drop it afterwards (it keeps the imported rows).

SQLite:
    export DATABASE_URL=sqlite:////tmp/bench_gias.sqlite3 DJANGO_SETTINGS_MODULE=config.settings.dev
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python bench/gias_import.py
    rm /tmp/bench_gias.sqlite3

PostgreSQL:
    createdb -h 127.0.0.1 -U postgres bench_gias
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_gias
    export DJANGO_SETTINGS_MODULE=config.settings.dev
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python bench/gias_import.py
    dropdb -h 127.0.0.1 -U postgres bench_gias
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

# Django's own modules read no settings when imported; the apps' modules need django.setup().
import django
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
HEADER_FROM = REPO / "tests" / "fixtures" / "gias" / "establishments_small.csv"
FIRST_URN = 500_000

# (EstablishmentTypeGroup, [TypeOfEstablishment], [PhaseOfEducation], weight), roughly as in
# the national file.
KINDS = [
    (
        "Local authority maintained schools",
        ["Community school", "Voluntary aided school", "Voluntary controlled school"],
        ["Primary", "Primary", "Primary", "Secondary", "Nursery", "Not applicable"],
        35,
    ),
    ("Academies", ["Academy converter", "Academy sponsor led"], ["Primary", "Secondary"], 25),
    ("Free Schools", ["Free schools", "University technical college"], ["Secondary", "16 plus"], 2),
    ("Independent schools", ["Other independent school"], ["Not applicable"], 8),
    ("Special schools", ["Community special school", "Non-maintained special school"],
     ["Not applicable"], 3),
    ("Colleges", ["Further education", "Sixth form centres"], ["16 plus"], 2),
    ("Universities", ["Higher education institutions"], ["Not applicable"], 1),
    ("Other types", ["Children's centre", "Secure units", "Miscellaneous"], ["Not applicable"], 14),
    ("Welsh schools", ["Welsh establishment"], ["Not applicable"], 9),
    ("Online provider", ["Online provider"], ["Not applicable"], 1),
]  # fmt: skip
STATUSES = ["Open"] * 70 + ["Closed"] * 27 + ["Open, but proposed to close", "Proposed to open"]
WORDS = [
    "Oak", "Ash", "Hill", "Park", "Brook", "St Mary’s", "St John’s", "Holy Trinity", "Bro Môn",
    "Green", "Valley", "Church", "Meadow", "Riverside", "King’s", "Abbey", "Ysgol", "Castle",
]  # fmt: skip
FILLERS = {"(code)": "0", "(name)": "Not applicable"}
SUFFIXES = ["Primary School", "Academy", "Infant School", "High School", "C of E School"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throwaway database (see the docstring).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(REPO))
    django.setup()
    # deferred: models load in django.setup(), just above (with the repository on sys.path)
    from accounts.gias import COLUMNS, import_establishments
    from accounts.models import LocalAuthority, School, Trust  # deferred: as above

    if School.objects.exists():
        sys.exit("This database already has schools; use a throwaway one.")

    header = HEADER_FROM.read_bytes().decode("cp1252").splitlines()[0].split(",")
    rows = list(establishments(args.rows, header, COLUMNS, random.Random(2025)))  # noqa: S311
    renamed = [dict(row, EstablishmentName=row["EstablishmentName"] + " (renamed)") for row in rows]
    with tempfile.TemporaryDirectory() as tmp:
        first = write(Path(tmp) / "edubasealldata.csv", header, rows)
        second = write(Path(tmp) / "edubasealldata_renamed.csv", header, renamed)
        size = first.stat().st_size
        print(
            f"{connection.vendor} ({connection.settings_dict['NAME']}): {args.rows:,} rows, "
            f"{size / 1e6:.1f} MB cp1252, {len(header)} columns"
        )
        for label, path in [
            ("first import", first),
            ("re-import, unchanged", first),
            ("re-import, all renamed", second),
        ]:
            started = time.perf_counter()
            report = import_establishments(path)
            seconds = time.perf_counter() - started
            print(
                f"  {label:<24} {seconds:6.2f} s  {args.rows / seconds:>8,.0f} rows/s  "
                f"(created {report.created:,}, updated {report.updated:,}, "
                f"unchanged {report.unchanged:,}, problems {len(report.problems):,})"
            )
    print(
        f"  in the database: {School.objects.count():,} schools, "
        f"{LocalAuthority.objects.count():,} local authorities, {Trust.objects.count():,} trusts"
    )


def establishments(count, header, columns, rng):
    english = [str(code) for code in [*range(201, 214), *range(301, 321), *range(800, 938)]]
    welsh = [str(code) for code in range(660, 682)]
    trusts = [str(uid) for uid in range(2000, 4800)]
    groups = rng.choices(KINDS, weights=[kind[3] for kind in KINDS], k=count)
    # GIAS fills most columns ("Not applicable", "0"); so does this, for a realistic file size.
    blank = {name: FILLERS.get(name.rpartition(" ")[2], "") for name in header}
    blank.update(dict.fromkeys(columns.values(), ""))
    for n, (group, types, phases, _) in enumerate(groups):
        welsh_school = group == "Welsh schools"
        la = rng.choice(welsh if welsh_school else english)
        trust = rng.choice(trusts) if group in ("Academies", "Free Schools") else ""
        slug = f"school{n}"
        row = dict(blank)
        row.update(
            {
                "URN": str(FIRST_URN + n),
                "LA (code)": la,
                "LA (name)": f"Authority {la}",
                "EstablishmentNumber": str(rng.randint(1000, 7999)),
                "EstablishmentName": f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {n}",
                "TypeOfEstablishment (name)": rng.choice(types),
                "EstablishmentTypeGroup (name)": group,
                "PhaseOfEducation (name)": rng.choice(phases),
                "EstablishmentStatus (name)": rng.choice(STATUSES),
                "Postcode": f"{rng.choice(['NW', 'SE', 'LL', 'CF', 'M'])}{rng.randint(1, 30)} "
                f"{rng.randint(1, 9)}AB",
                "SchoolWebsite": rng.choice(
                    [f"www.{slug}.sch.uk", f"http://www.{slug}.org.uk/", "", f"{slug} website"]
                ),
                "Trusts (code)": trust,
                "Trusts (name)": f"Learning Trust {trust}" if trust else "",
                # Some of the other columns, so the file is about the national file's size.
                "OpenDate": "01-09-2012",
                "StatutoryLowAge": "4",
                "StatutoryHighAge": "11",
                "Street": f"{rng.randint(1, 200)} {rng.choice(WORDS)} Road",
                "Town": f"Town {la}",
                "TelephoneNum": f"0{rng.randint(1000000000, 1999999999)}",
                "HeadFirstName": "Alex",
                "HeadLastName": "Jones",
                "GOR (name)": "Wales (pseudo)" if welsh_school else "London",
                "ParliamentaryConstituency (name)": f"Constituency {la}",
                "LastChangedDate": "22-04-2025",
            }
        )
        yield row


def write(path, header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row[name] for name in header] for row in rows)
    path.write_bytes(out.getvalue().encode("cp1252"))
    return path


if __name__ == "__main__":
    main()
