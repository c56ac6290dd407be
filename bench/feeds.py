"""Benchmark the calendar feeds (not a test): a 5,000-session programme feed.

Targets (issue: calendar feeds): build uncached in under 300 ms; a 304 revalidation under
10 ms median; query count constant. Run against a throwaway database:

    export DATABASE_URL=sqlite:////tmp/bench_feeds.sqlite3   # or postgres://…/bench_feeds
    .venv/bin/python manage.py migrate -v0 && .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/feeds.py --sessions 5000
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=5000)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a throwaway database (see the docstring).")

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bookings import calendar
    from courses.models import CourseRun, Session

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False  # measure as production runs
    runs = list(CourseRun.objects.filter(status="open"))
    if not runs:
        sys.exit("No open runs: run seed_demo first.")
    have = Session.objects.filter(run__status__in=["open", "closed"]).count()
    start = timezone.now() + dt.timedelta(days=30)
    extra = [
        Session(
            run=runs[i % len(runs)],
            starts_at=start + dt.timedelta(hours=i),
            ends_at=start + dt.timedelta(hours=i, minutes=90),
        )
        for i in range(max(args.sessions - have, 0))
    ]
    Session.objects.bulk_create(extra, batch_size=1000)
    total = Session.objects.filter(run__status__in=["open", "closed"]).count()

    def timed(fn, n):
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples), max(samples)

    build_median, build_max = timed(lambda: calendar.programme_calendar().to_ical(), 5)

    client = Client()
    cache.clear()
    first = client.get("/calendar/programme.ics")
    etag = first["ETag"]
    revalidate_median, revalidate_max = timed(
        lambda: client.get("/calendar/programme.ics", HTTP_IF_NONE_MATCH=etag), 50
    )
    assert client.get("/calendar/programme.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
    cached_median, _ = timed(lambda: client.get("/calendar/programme.ics"), 20)

    print(
        f"database: {connection.vendor}; sessions in the feed: {total}; "
        f"feed size: {len(first.content) / 1024:.0f} KiB"
    )
    print(
        f"build uncached:     median {build_median:7.1f} ms, max {build_max:7.1f} ms "
        "(target < 300 ms)"
    )
    print(
        f"304 revalidation:   median {revalidate_median:7.2f} ms, max {revalidate_max:7.2f} ms "
        "(target < 10 ms median)"
    )
    print(
        "Query counts are asserted in tests/bookings/test_calendar_feeds.py "
        "(constant with the number of sessions)."
    )
    print(f"200 from the cache: median {cached_median:7.2f} ms")
    Session.objects.filter(pk__in=[s.pk for s in extra]).delete()


if __name__ == "__main__":
    main()
