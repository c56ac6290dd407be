"""Benchmark the calendar feeds (not a test): a 5,000-session programme feed.

Targets (issue: calendar feeds): build uncached in under 300 ms; a 304 revalidation under
10 ms median; query count constant.

"Uncached" has two meanings here, and both are reported:
  - the feed's cached body is gone because a session changed (the case the target is about:
    every change to a run or session retires the cached body). Each VEVENT's bytes are cached
    under a key of what it shows, so such a build writes only the changed events;
  - nothing is cached at all (an empty cache: a new deployment or a flushed Redis), where
    icalendar writes every event.

It needs a throwaway database and a cache of its own (it clears the cache):

    # PostgreSQL: made, migrated, seeded and dropped for you
    export REDIS_URL=redis://127.0.0.1:6379/<a db of your own>
    .venv/bin/python bench/feeds.py --create-db bench_feeds
    # or an existing throwaway database, already migrated and seeded
    export DATABASE_URL=sqlite:////tmp/bench_feeds.sqlite3
    .venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/feeds.py --sessions 5000
"""

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Django's own modules read no settings when imported; the apps' modules need django.setup().
import django
import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
NEVER_TOUCH = {"cpd", "test_cpd", "postgres", "template0", "template1"}


def admin_connection():
    return psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    )


def create_database(name):
    if name in NEVER_TOUCH or name.startswith("test_") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to create database {name!r}")
    with admin_connection() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(f"database {name!r} already exists; drop it or choose another name")
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True)
    return url


def drop_database(name):
    connections.close_all()
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def timed(fn, n, before=None):
    """Median and max milliseconds of `fn` over n runs; `before` runs untimed before each."""
    samples = []
    for _ in range(n):
        if before:
            before()
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), max(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--create-db", metavar="NAME", help="make (and drop) this PostgreSQL db")
    parser.add_argument("--keep-db", action="store_true", help="with --create-db, keep it")
    args = parser.parse_args()
    if args.create_db:
        os.environ["DATABASE_URL"] = create_database(args.create_db)
    elif "DATABASE_URL" not in os.environ:
        sys.exit(
            "Set DATABASE_URL to a throwaway database, or use --create-db (see the docstring)."
        )
    elif os.environ["DATABASE_URL"].rstrip("/").rsplit("/", 1)[-1] in NEVER_TOUCH:
        sys.exit("Refusing a shared database: use a throwaway one.")
    try:
        run(args)
    finally:
        if args.create_db and not args.keep_db:
            drop_database(args.create_db)


def run(args):
    django.setup()
    # deferred: models load in django.setup(), just above
    from wagtail.models import Site

    from bookings import calendar  # deferred: as above
    from courses.models import CourseRun, Session  # deferred: as above

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False  # measure as production runs
    runs = list(CourseRun.objects.filter(status="open"))
    if not runs:
        sys.exit("No open runs: run seed_demo first.")

    def clear_cache():
        cache.clear()
        Site.get_site_root_paths()  # cached by Wagtail for every request: not the feed's cost

    def count_queries(fn):
        # Django clears connection.queries at each request's start, so count by a wrapper.
        executed = []
        with connection.execute_wrapper(lambda execute, *a: executed.append(1) or execute(*a)):
            fn()
        return len(executed)

    def build_queries():
        clear_cache()
        cold = count_queries(calendar.programme_calendar)
        warm = count_queries(calendar.programme_calendar)
        return cold, warm, Session.objects.filter(run__status__in=["open", "closed"]).count()

    small_cold, small_warm, small_total = build_queries()

    have = Session.objects.filter(run__status__in=["open", "closed"]).count()
    start = timezone.now() + dt.timedelta(days=30)
    extra = Session.objects.bulk_create(
        [
            Session(
                run=runs[i % len(runs)],
                starts_at=start + dt.timedelta(hours=i),
                ends_at=start + dt.timedelta(hours=i, minutes=90),
            )
            for i in range(max(args.sessions - have, 0))
        ],
        batch_size=1000,
    )
    if connection.vendor == "postgresql":
        # As autovacuum would leave a table that grew by thousands of rows: fresh statistics,
        # and the dead rows of earlier runs of this script gone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE courses_session")
    try:
        large_cold, large_warm, total = build_queries()

        cold = timed(calendar.programme_calendar, 3, before=clear_cache)
        calendar.programme_calendar()
        moving = Session.objects.filter(pk__in=[s.pk for s in extra[:10]]).order_by("pk")

        def move_one():
            session = moving[move_one.n % 10]
            session.starts_at += dt.timedelta(minutes=5)
            session.ends_at += dt.timedelta(minutes=5)
            session.save()
            move_one.n += 1

        move_one.n = 0
        one_changed = timed(calendar.programme_calendar, 7, before=move_one)
        nothing_changed = timed(calendar.programme_calendar, 7)

        client = Client()
        url = "/calendar/programme.ics"
        first = client.get(url)
        etag = first["ETag"]
        # Through the view: ETag query, build, and the body cached under its ETag.
        http_after_change = timed(lambda: client.get(url), 7, before=move_one)
        etag = client.get(url)["ETag"]
        revalidate = timed(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag), 50)
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        revalidate_queries = count_queries(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag))
        from_cache = timed(lambda: client.get(url), 20)
    finally:
        Session.objects.filter(pk__in=[s.pk for s in extra]).delete()

    def line(label, result, target=""):
        median, worst = result
        print(f"{label:<46} median {median:8.1f} ms, max {worst:8.1f} ms {target}")

    print(
        f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND']}; "
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs"
    )
    print(f"sessions in the feed: {total}; feed size: {len(first.content) / 1024:.0f} KiB")
    line("build after one session changed (body uncached)", one_changed, "(target < 300 ms)")
    line("  the same, through the view (200)", http_after_change)
    line("build with nothing changed (events cached)", nothing_changed)
    line("build with an empty cache (every event written)", cold)
    line("304 revalidation (If-None-Match)", revalidate, "(target < 10 ms median)")
    line("200 served from the cached body", from_cache)
    print(
        f"queries to build, with an empty cache / with the events cached: "
        f"{small_cold} / {small_warm} at {small_total} sessions, "
        f"{large_cold} / {large_warm} at {total}; a 304 takes {revalidate_queries}"
    )


if __name__ == "__main__":
    main()
