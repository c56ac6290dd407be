"""Booking storm: many teachers booking places at once the way a browser does, through
gunicorn, with a real Celery worker, on PostgreSQL.

Long because it is a benchmark script, not app code: set-up, load, accounting and report.

Not a test. Each booker signs in beforehand through allauth's sign-in page, then makes every
request a browser makes from a course page's Book button to the confirmation page:
GET /book/<run>/ (for a teacher booking themself, the details form itself), POST it with the
page's own fields and CSRF token (the terms ticked) to the form's action, and GET the booking's
page it redirects to. gunicorn runs as the image runs it (4 sync workers, production settings,
config.gunicorn with its JSON access log); one Celery worker takes every production queue
(docker-compose.yml's shape), sending the confirmation emails with their calendar files to an
SMTP server in this process. A pass is over when every task the bookings queued has run (the
broker's queues, unacknowledged tasks and the outbox all empty). Scenarios:

  contention  500 bookers released together at one run with 30 places, each loading the form
              then posting it. Target: exactly 30 confirmed, every other answer "this run is
              full", no 5xx, p99 <= 2 s.
  throughput  2,000 bookers over 50 runs of 30 places, 32 in flight (closed loop;
              --concurrency, one pass per value). Target: >= 2,500 confirmations a minute
              counted until the queue is empty, p99 <= 1 s, CPU <= 45 ms per confirmed booking.
  post-only   the old shape, as a breakdown: only the POST, fields written by the bench.

After each pass it counts live enrolments per run in the database (never more than capacity)
against what the clients were told, counts the emails (one with a calendar file per place),
and reports CPU per confirmed booking by whose it was (gunicorn, Celery, PostgreSQL for our
database, Redis; from /proc), and what everything else on the machine used. A pass where other
people's work took over a tenth of the CPU is run again on fresh runs (--noisy-retries). In the
same run: the static file's rate under wrk, beside a bare WhiteNoise app on the same gunicorn
shape (the machine's yardstick), and a queries pass (counting hooks in the web and Celery
workers) that gives queries and CPU per request step and per task.

What it leaves out: the course page itself (bench/load.py measures pages), TLS, a proxy in
front, and a real mail server (the SMTP server here accepts everything at once). The load
generator (threads, http.client, a new connection per request) and the SMTP server share the
machine's cores; their CPU is reported as "load generator", not counted per booking.

Everything it needs it makes, in a throwaway PostgreSQL database: migrate, seed_demo, bench
teachers in one demo school (verified email, no approval, no PO), fresh open runs with a
session in the future, and the database analysed as autovacuum would have left it. Redis db 9
(not 0) is the cache and the broker; it is flushed before and after. Nothing is written into
the repository except, with --write-docs, the "### Latest run" part of the "## Booking storm"
section of docs/performance.md.

    .venv/bin/python bench/booking_storm.py --create-db bench_storm --write-docs

--create-db refuses a database that already exists and drops it at the end (--keep-db keeps
it); --database-url uses an existing throwaway database (never cpd or test_cpd) and leaves it.
--breakdown then times the POST-only booking view one request at a time in-process, piece by
piece, and with one piece changed at a time, to size each possible fix.
"""

import argparse
import contextlib
import http.client
import io
import json
import math
import os
import random
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Django's own modules read no settings when imported; the apps' modules below need
# setup_django() first, so they are imported inside the functions that run after it.
import django
import gunicorn
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections, transaction
from django.db.models import Count
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _browser import (  # noqa: E402  (bench/ is not a package)
    BARE_WHITENOISE,
    ORIGIN,
    SMTPSink,
    post_form_to,
    sign_in,
    start_worker,
    stop_worker,
    wait_for_worker,
    wait_until_drained,
    wrk_rate,
)
from _common import (  # noqa: E402  (bench/ is not a package)
    BIN,
    HOST,
    NEVER_TOUCH,
    REPO,
    admin_connection,
    analyze,
    drop_database,
    flush_redis,
    free_port,
    manage,
    say,
    stop_gunicorn,
)

DOCS = REPO / "docs" / "performance.md"
SECTION = "## Booking storm"
FULL_MARKERS = (b"This run is full", b"left; you asked for")


# --- the database, Redis, gunicorn ---------------------------------------------------------------


def create_database(name):
    if name in NEVER_TOUCH or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to create database {name!r}")
    with admin_connection() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            raise SystemExit(f"database {name!r} already exists; drop it or choose another name")
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def start_gunicorn(env, port, workers, log_path, config="python:config.gunicorn", app=None):
    """gunicorn as the image runs it (Dockerfile CMD: production's config.gunicorn, with its
    JSON access log), its output to a file as a container's goes to a pipe."""
    cmd = [
        str(BIN / "gunicorn"),
        app or "config.wsgi:application",
        "--config",
        str(config),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-tmp-dir",
        "/dev/shm",  # noqa: S108  (the Dockerfile's: heartbeat files off the disk)
    ]
    log = open(log_path, "ab")  # noqa: SIM115  (gunicorn writes to it until stopped)
    return subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_for_health(port, proc, limit=60):
    deadline = time.monotonic() + limit
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            status, _, body = http_request(port, "GET", "/health/", {}, None, 5)
            if status == 200:
                return body.decode()
            last = f"{status} {body[:200]!r}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.25)
    raise RuntimeError(f"/health/ never answered 200 (last: {last})")


# --- CPU accounting from /proc -------------------------------------------------------------------


OURS = {"gunicorn": None, "celery": None, "db": None}  # our servers' pids, our database's name


def _kind(pid, comm, ppid):
    """Whose CPU is this? Our gunicorn (master and workers), our Celery worker (and its
    children), PostgreSQL working for our database (or for nobody in particular: the
    postmaster, checkpointer, ...), Redis, this process (the load generator and the SMTP
    server), or other people's work: tests, their servers, their databases' backends."""
    if pid == os.getpid():
        return "load generator"
    if OURS["gunicorn"] in (pid, ppid):
        return "gunicorn"
    if OURS["celery"] in (pid, ppid):
        return "celery"
    if comm.startswith("redis"):
        return "redis"
    if comm.startswith("postgres"):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return "postgres"
        parts = title.strip().split(": ", 2)
        if len(parts) == 3:
            words = parts[2].split()
            db = None
            if words[:2] == ["autovacuum", "worker"] and len(words) > 2:
                db = words[2]
            elif len(words) > 2 and ("(" in words[2] or words[2] == "[local]"):
                db = words[1]  # a backend: "user database host(port) state"
            if db is not None and db != OURS["db"]:
                return "other"
        return "postgres"
    return "other"


def cpu_snapshot():
    """CPU seconds used so far, by whose work it is (see _kind), and the machine's busy and
    total seconds. Each process counts its own time plus that of the children it has reaped,
    so the postgres backends recycled every DB_CONN_MAX_AGE seconds stay counted (in the
    postmaster, whoever they worked for)."""
    tick = os.sysconf("SC_CLK_TCK")
    by_kind = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text.rsplit(")", 1)[1].split()
        used = sum(int(x) for x in rest[11:15]) / tick  # utime stime cutime cstime
        kind = _kind(int(stat.parent.name), comm, int(rest[1]))
        by_kind[kind] = by_kind.get(kind, 0.0) + used
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in cpu[:8]]  # user nice system idle iowait irq softirq steal
    idle = ticks[3] + ticks[4]
    return by_kind, (sum(ticks) - idle) / tick, sum(ticks) / tick


def cpu_delta(before, after):
    kinds_before, busy0, total0 = before
    kinds_after, busy1, total1 = after
    used = {k: v - kinds_before.get(k, 0.0) for k, v in kinds_after.items()}
    return {
        "by_process": {k: round(v, 1) for k, v in sorted(used.items()) if v >= 0.05},
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(total1 - total0, 1e-9), 1),
        "machine_busy_s": round(busy1 - busy0, 1),
    }


# --- the fixture (in this process, Django with dev settings on the same database) ----------------


@dataclass
class Booker:
    user_id: int
    session_key: str = ""
    csrf: str = ""
    email: str = ""
    visitor: object = None  # a signed-in _browser.Visitor, for the real path


@dataclass
class Fixture:
    tag: str
    school_id: int
    bookers: list
    made: dict = field(default_factory=dict)  # run-set name -> how many sets made so far


def setup_django(env, settings_module="config.settings.dev"):
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "EMAIL_BACKEND")})
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if settings_module == "config.settings.dev":
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO))
    django.setup()


def make_bookers(n):
    """For the POST-only breakdown and bench/load.py: make_people's teachers, each also given a
    logged-in session (as django.contrib.auth.login would store it) and a CSRF secret, made
    here instead of through the sign-in page."""
    # deferred: models load in setup_django(), which runs first
    from django.contrib.sessions.models import Session

    from accounts.models import User  # deferred: as above

    fixture = make_people(n)
    alnum = string.ascii_letters + string.digits
    key_chars = string.ascii_lowercase + string.digits
    users = User.objects.in_bulk([b.user_id for b in fixture.bookers])
    store, expires = SessionStore(), timezone.now() + timezone.timedelta(days=1)
    bookers, sessions = [], []
    for booker in fixture.bookers:
        user = users[booker.user_id]
        key = get_random_string(32, key_chars)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "accounts.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        bookers.append(Booker(user.pk, key, get_random_string(32, alnum), email=user.email))
    Session.objects.bulk_create(sessions)
    return Fixture(fixture.tag, fixture.school_id, bookers)


def prime_sessions(keys):
    """Load each booker's session through the configured session engine, as the form page a
    real booker loads before posting does. With cached_db (production) that puts it in the
    cache; with the plain db engine it is only a read."""
    engine = import_module(settings.SESSION_ENGINE)
    for key in keys:
        engine.SessionStore(session_key=key).load()


def prime_sessions_child(path):
    """Run under the web's settings (so the same cache), with the keys in a file."""
    setup_django(os.environ, settings_module=os.environ["DJANGO_SETTINGS_MODULE"])
    prime_sessions(Path(path).read_text().split())
    return 0


def make_runs(fixture, name, count, capacity):
    """Fresh open runs of a live course, each with one session a month or so ahead and no
    bookings. Made just before the scenario that uses them, outside its timing."""
    # deferred: models load in setup_django(), which runs first
    from courses.models import CoursePage, CourseRun
    from courses.models import Session as RunSession  # deferred: as above

    course = CoursePage.objects.live().filter(format=CoursePage.Format.ONLINE).first()
    course = course or CoursePage.objects.live().first()
    like = CourseRun.objects.filter(course=course).first()
    n = fixture.made[name] = fixture.made.get(name, 0) + 1
    now = timezone.now()
    ids = []
    with transaction.atomic():
        for i in range(count):
            start = now + timezone.timedelta(days=30 + i % 20, hours=1)
            run = CourseRun.objects.create(
                course=course,
                reference=f"B{fixture.tag}-{name}{n}-{i:03d}"[:20],
                capacity=capacity,
                status=CourseRun.Status.OPEN,
                booking_closes_at=start - timezone.timedelta(days=2),
                venue=like.venue if like else None,
                online_joining_url=like.online_joining_url if like else "",
            )
            RunSession.objects.create(
                run=run, starts_at=start, ends_at=start + timezone.timedelta(hours=3)
            )
            ids.append(run.pk)
    return ids


def run_counts(run_ids):
    """Per run: capacity, live enrolments, bookings, from the database."""
    # deferred: models load in setup_django(), which runs first
    from bookings.models import Booking, Enrolment
    from courses.models import CourseRun  # deferred: as above

    def per_run(queryset):
        rows = queryset.filter(run__in=run_ids).order_by().values("run").annotate(n=Count("pk"))
        return dict(rows.values_list("run", "n"))

    live = per_run(Enrolment.objects.live())
    bookings = per_run(Booking.objects.all())
    return [
        {
            "run": pk,
            "reference": ref,
            "capacity": cap,
            "live": live.get(pk, 0),
            "bookings": bookings.get(pk, 0),
        }
        for pk, ref, cap in CourseRun.objects.filter(pk__in=run_ids).values_list(
            "pk", "reference", "capacity"
        )
    ]


def close_django_connections():
    connections.close_all()


# --- the load generator --------------------------------------------------------------------------


def http_request(port, method, path, headers, body, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        base = {"Host": HOST, "X-Forwarded-Proto": "https", "Connection": "close"}
        conn.request(method, path, body=body, headers={**base, **headers})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location", ""), resp.read()
    finally:
        conn.close()


class Result:
    def __init__(self, outcome, latency, detail="", requests=0):
        self.outcome = outcome  # confirmed | full | error_5xx | unexpected | client_error | ...
        self.latency = latency
        self.detail = detail
        self.requests = requests


def booking_request(fixture, booker, run_id):
    path = f"/book/{run_id}/details/"
    body = urlencode(
        [
            ("csrfmiddlewaretoken", booker.csrf),
            ("school", fixture.school_id),
            ("delegate", booker.user_id),
            ("terms", "on"),
            ("po_number", ""),
            (f"needs-{booker.user_id}-access", ""),
            (f"needs-{booker.user_id}-dietary", ""),
        ]
    ).encode()
    headers = {
        "Cookie": f"sessionid={booker.session_key}; csrftoken={booker.csrf}",
        "Origin": ORIGIN,
        "Referer": f"{ORIGIN}{path}",
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "booking-storm",
    }
    return path, headers, body


def fire_together(jobs, time_limit):
    """Contention: one thread per job, released together by a barrier. A job is
    f(timeout, t0) -> Result."""
    n = len(jobs)
    results = [None] * n
    gate = []  # the moment the barrier opens: every latency is measured from it
    barrier = threading.Barrier(n + 1, action=lambda: gate.append(time.perf_counter()))

    def one(i):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            results[i] = Result("client_error", None, "barrier broken")
            return
        results[i] = jobs[i](time_limit, gate[0])

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    deadline = start + time_limit
    for t in threads:
        t.join(max(deadline - time.perf_counter(), 0))
    wall = max((r.latency for r in results if r and r.latency is not None), default=time_limit)
    return [r or Result("not_answered", None, "time cap") for r in results], wall


def keep_in_flight(jobs, concurrency, time_limit):
    """Throughput: a closed loop of `concurrency` clients working through the jobs."""
    results = [None] * len(jobs)
    next_index = iter(range(len(jobs)))
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + time_limit
    finished = []

    def client():
        while time.perf_counter() < deadline:
            with lock:
                i = next(next_index, None)
            if i is None:
                break
            results[i] = jobs[i](max(deadline - time.perf_counter(), 1), None)
        finished.append(time.perf_counter())

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(deadline - time.perf_counter(), 0) + 5)
    wall = max(finished, default=time.perf_counter()) - start
    return [r or Result("not_answered", None, "time cap") for r in results], wall


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    rank = max(math.ceil(p / 100 * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def summarise(results, wall, drained_after=0.0):
    counts = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    latencies = sorted(r.latency for r in results if r.latency is not None)
    samples = sorted({r.detail for r in results if r.outcome not in ("confirmed", "full")})
    confirmed = counts.get("confirmed", 0)
    until_done = wall + drained_after
    return {
        "bookers": len(results),
        "http_requests": sum(r.requests for r in results),
        "wall_s": round(wall, 2),
        "drain_s": round(drained_after, 2),
        "counts": counts,
        "confirmed": confirmed,
        "full": counts.get("full", 0),
        "errors_5xx": counts.get("error_5xx", 0),
        "other": len(results) - confirmed - counts.get("full", 0),
        # The headline counts until the queue is empty: a booking is done when its email is.
        "confirmations_per_min": round(60 * confirmed / until_done, 0) if until_done else 0,
        "answered_per_min": round(60 * confirmed / wall, 0) if wall else 0,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else None,
        "problems": samples[:5],
    }


def warm_up(port, fixture, ctx, n=48):
    """Every worker imports, compiles templates and opens its connections before timing starts:
    bookings on a roomy run and refusals on a run of one place; then the queue is emptied."""
    roomy = make_runs(fixture, "w", 1, 10_000)[0]
    tiny = make_runs(fixture, "x", 1, 1)[0]
    close_django_connections()
    bookers = fixture.bookers[-n:]
    jobs = [_flow(port, b, roomy) for b in bookers] + [_flow(port, b, tiny) for b in bookers[:24]]
    results, _ = keep_in_flight(jobs, 8, 120)
    bad = [r.detail for r in results if r.outcome not in ("confirmed", "full")]
    if bad:
        raise RuntimeError(f"warm-up failed: {bad[:3]}")
    wait_until_drained(ctx["redis_url"], ctx["db_url"])


# --- the report ----------------------------------------------------------------------------------


def fmt_s(value):
    return "n/a" if value is None else f"{value:.3f} s"


def verdicts(name, s, counts, limits):
    over = [c for c in counts if c["live"] > c["capacity"]]
    never_over = not over
    agree = s["confirmed"] == sum(c["live"] for c in counts)
    if name == "contention":
        checks = {
            f"exactly {limits['capacity']} confirmed": s["confirmed"] == limits["capacity"]
            and counts[0]["live"] == limits["capacity"],
            "every other answer 'full'": s["full"] == s["bookers"] - s["confirmed"],
            "0 5xx": s["errors_5xx"] == 0,
            f"p99 <= {limits['p99']} s": s["p99"] is not None and s["p99"] <= limits["p99"],
        }
    else:
        checks = {
            f">= {limits['rate']:,} confirmations/min": s["confirmations_per_min"]
            >= limits["rate"],
            f"p99 <= {limits['p99']} s": s["p99"] is not None and s["p99"] <= limits["p99"],
            "0 5xx": s["errors_5xx"] == 0,
        }
    checks["no run over capacity (DB)"] = never_over
    checks["DB live places = confirmations answered"] = agree
    return checks


def scenario_table(rows):
    lines = [
        "| scenario | bookers | HTTP requests | confirmed | full | 5xx | unexpected | answered in "
        "| queue empty after | confirmations/min (until queue empty) | p50 | p95 | p99 | max "
        "| CPU ms per confirmed: total (gunicorn / celery / postgres / redis) | others CPU s "
        "| targets met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for row in rows:
        s = row["summary"]
        cpu = row["cpu"]["by_process"]
        per = cpu_per_confirmed(row)
        met = all(row["checks"].values())
        lines.append(
            f"| {row['label']} | {s['bookers']} | {s['http_requests']} | {s['confirmed']} "
            f"| {s['full']} | {s['errors_5xx']} | {s['other']} | {s['wall_s']:.1f} s "
            f"| {s['drain_s']:.1f} s | {s['confirmations_per_min']:,.0f} | {fmt_s(s['p50'])} "
            f"| {fmt_s(s['p95'])} | {fmt_s(s['p99'])} | {fmt_s(s['max'])} "
            f"| {per['total']:.0f} ({per['gunicorn']:.0f} / {per['celery']:.0f} / "
            f"{per['postgres']:.0f} / {per['redis']:.0f}) | {cpu.get('other', 0):.1f} "
            f"| {'yes' if met else 'no'} |"
        )
    return "\n".join(lines)


def counts_line(counts):
    caps = sorted({c["capacity"] for c in counts})
    lives = [c["live"] for c in counts]
    over = sum(1 for c in counts if c["live"] > c["capacity"])
    full = sum(1 for c in counts if c["live"] == c["capacity"])
    return (
        f"{len(counts)} run(s), capacity {'/'.join(map(str, caps))}: live places per run "
        f"min {min(lives)}, max {max(lives)}, total {sum(lives)}; {full} full, {over} over capacity"
    )


def report(rows, meta, extras=()):
    out = [scenario_table(rows), ""]
    for row in rows:
        failed = [k for k, ok in row["checks"].items() if not ok]
        out.append(f"- **{row['label']}**: {counts_line(row['counts'])}.")
        marks = [f"{k}: {'yes' if ok else 'NO'}" for k, ok in row["checks"].items()]
        out.append(f"  Checks: {'; '.join(marks)}.")
        if failed:
            out.append(f"  Missed: {', '.join(failed)}.")
        cpu = row["cpu"]
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in cpu["by_process"].items())
        s = row["summary"]
        out.append(
            f"  {s['http_requests']} HTTP requests; confirmations/min by the last answer "
            f"{s['answered_per_min']:,.0f}; emails sent {row['emails']['sent']} "
            f"({row['emails']['with_calendar']} with a calendar file)."
        )
        out.append(
            f"  CPU meanwhile: {parts}; the machine was {cpu['machine_busy_pct']}% busy"
            f"{' (attempt ' + str(row['attempt']) + ')' if row['attempt'] > 1 else ''}"
            f"{'; NOISY: other processes competed for the cores' if noisy(row) else ''}."
        )
        if s["problems"]:
            out.append(f"  Unexpected answers (samples): {s['problems']}")
    for title, body in extras:
        if body:
            out += ["", title, "", body]
    out += ["", meta]
    return "\n".join(out)


def machine_notes(args, started):
    def first(path, prefix):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        return "?"

    def run(*cmd):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True).stdout.strip()
        return "?"

    with contextlib.suppress(Exception), admin_connection() as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    head = run("git", "rev-parse", "--short", "HEAD")
    dirty = " with uncommitted changes" if run("git", "status", "--porcelain") else ""
    argv = " ".join(
        "--database-url postgres://…" if a.startswith("postgres") else a for a in sys.argv[1:]
    )
    ram = first("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(ram) / 1024**2:.0f} GB" if ram.isdigit() else "?"
    notes = (
        f"Measured {started:%Y-%m-%d %H:%M} UTC at {head}{dirty}, on {os.cpu_count()} cores "
        f"({first('/proc/cpuinfo', 'model name')}) and {ram} RAM, shared with other work (the "
        f'"others" CPU above). PostgreSQL {locals().get("pg", "?").split()[0]} and Redis on '
        f"loopback; gunicorn {gunicorn.__version__}, {args.workers} sync workers, production "
        f"settings with DB_CONN_MAX_AGE=60; Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}. The load generator (threads, http.client, a new connection "
        "per request, cookies kept per booker) runs on the same cores. A booking's latency is "
        "from its first request (for contention, from the gate that releases them all) to the "
        "last byte of the confirmation page or the refusal."
    )
    command = f".venv/bin/python bench/booking_storm.py {argv}"
    return f"{textwrap.fill(notes, 96)} Reproduce:\n\n    {command}\n"


INTRO = """\
`bench/booking_storm.py` books places the way a teacher does, over loopback HTTP against
gunicorn (4 sync workers, production settings, PostgreSQL, Redis). Every booker first signs in
through allauth's sign-in page; each booking is then every request a browser makes from the
course page's Book button: `GET /book/<run>/` (for a teacher booking themself, the details form
itself, read for its CSRF token and fields), `POST` of that form to its action,
`/book/<run>/details/` (302), and `GET /bookings/BK-…/`, the confirmation page. A real Celery
worker on the production queues runs everything the bookings queue (settling, the confirmation
email with its calendar file, sent to an SMTP sink), and a pass ends only when the queues and
the outbox are empty. It makes its own throwaway database, people and runs; see its docstring.

- **Contention**: 500 bookers released together at one run of 30 places. Target: exactly 30
  confirmed, every other answer "this run is full", no 5xx, p99 <= 2 s.
- **Throughput**: 2,000 bookers over 50 runs of 30 places (1,500 places, so 500 refusals),
  with a fixed number of bookers in flight (closed loop). Target: >= 2,500 confirmations a
  minute, counted until the queue is empty, and <= 45 ms of CPU per confirmed booking
  (gunicorn, Celery, PostgreSQL and Redis together, refusals included).
- **POST only** (a labelled breakdown, not the measure): the old shape, the details POST with
  fields written by the script, no form GET and no confirmation page.

Each pass reports CPU from /proc split by gunicorn, the Celery worker, PostgreSQL working for
our database, Redis, and everything else ("others": other work on the same cores; a pass where
others took over a tenth of the CPU is marked noisy and run again on fresh runs). A queries
pass counts database queries per request step and per task. The static file's rate (ours, and
a bare WhiteNoise app on the same gunicorn shape) is measured in the same run as the machine's
yardstick. Left out: TLS, a proxy in front, page assets a browser would fetch from cache, and
the time a person spends reading the form.
"""
LATEST = "### Latest run"


def write_docs(results):
    """Replace the "### Latest run" part of the "## Booking storm" section (making the
    section if it is missing); the rest of the file, and of the section, is left alone."""
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    latest = f"{LATEST}\n\n{results.strip()}\n"
    lines = text.split("\n")
    try:
        start = lines.index(SECTION)
    except ValueError:
        DOCS.write_text(f"{text.rstrip()}\n\n{SECTION}\n\n{INTRO}\n{latest}")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = lines[start:end]
    if LATEST in section:
        a = section.index(LATEST)
        b = next(
            (i for i in range(a + 1, len(section)) if section[i].startswith(("## ", "### "))),
            len(section),
        )
        section[a:b] = [*latest.split("\n")]
    else:
        while section and not section[-1].strip():
            section.pop()
        section += ["", *latest.split("\n")]
    DOCS.write_text("\n".join(lines[:start] + section + lines[end:]))


# --- profiling summary ---------------------------------------------------------------------------


def others_cpu_rate(seconds=2.0):
    """Cores in use by everything that is not this benchmark (gunicorn idles meanwhile)."""
    before = cpu_snapshot()[0]
    time.sleep(seconds)
    after = cpu_snapshot()[0]
    return sum(after.get(k, 0.0) - before.get(k, 0.0) for k in ("other", "postgres", "redis")) / (
        seconds
    )


def wait_for_quiet(limit, threshold=0.15):
    """On a shared machine, wait (up to `limit` s) until others use under `threshold` cores."""
    deadline = time.monotonic() + limit
    rate = others_cpu_rate()
    while rate > threshold and time.monotonic() < deadline:
        rate = others_cpu_rate()
    return rate


def noisy(row):
    """Did other people's processes take more than a tenth of the machine meanwhile?"""
    cpu = row["cpu"]
    return cpu["by_process"].get("other", 0.0) > 0.10 * max(cpu["machine_busy_s"], 1e-9)


def scenario(name, make, go, check, args, ctx, cpu_target=None):
    """Make the runs, wait for a quiet machine, run, wait until every task the bookings
    queued has run, count; again (on fresh runs) if others' work took a noticeable share of
    the CPU, up to --noisy-retries times."""
    sink = ctx["sink"]
    for attempt in range(args.noisy_retries + 1):
        runs = make()
        close_django_connections()
        if args.quiet_wait:
            rate = wait_for_quiet(args.quiet_wait)
            if rate > 0.15:
                say(f"  (machine not quiet: others use {rate:.2f} cores; running anyway)")
        sent_before = sink.counts()
        before = cpu_snapshot()
        results, wall = go(runs)
        drained = wait_until_drained(ctx["redis_url"], ctx["db_url"])
        cpu = cpu_delta(before, cpu_snapshot())
        sent = [b - a for a, b in zip(sent_before, sink.counts(), strict=True)]
        summary = summarise(results, wall, drained)
        counts = run_counts(runs)
        close_django_connections()
        row = {
            "label": name,
            "summary": summary,
            "counts": counts,
            "cpu": cpu,
            "emails": {"sent": sent[0], "with_calendar": sent[1]},
            "checks": check(summary, counts),
            "attempt": attempt + 1,
        }
        if cpu_target is not None:
            per = cpu_per_confirmed(row)["total"]
            row["checks"][f"CPU <= {cpu_target} ms per confirmed booking"] = per <= cpu_target
        if ctx.get("emails_expected", True):
            row["checks"]["a confirmation with its calendar file per place"] = (
                sent[1] == summary["confirmed"]
            )
        say(scenario_table([row]))
        if not noisy(row):
            break
        say(f"  others took {cpu['by_process'].get('other', 0):.1f} s of CPU meanwhile: noisy")
    return row


def contention(port, fixture, args, ctx):
    """Everyone at once at one run, each loading the form and then posting it."""
    bookers = fixture.bookers[: args.contention_requests]
    return scenario(
        f"contention: {len(bookers)} at once, 1 run of {args.capacity}",
        lambda: make_runs(fixture, "c", 1, args.capacity),
        lambda runs: fire_together([_flow(port, b, runs[0]) for b in bookers], args.time_limit),
        lambda summary, counts: verdicts(
            "contention", summary, counts, {"capacity": args.capacity, "p99": 2.0}
        ),
        args,
        ctx,
    )


def throughput(port, fixture, args, level, rng, ctx, shape="real"):
    """Bookers in random order, each at one of the runs, `level` bookers in flight."""
    order = list(range(args.bookers))
    rng.shuffle(order)

    def go(runs):
        if shape == "real":
            jobs = [
                _flow(port, fixture.bookers[i], runs[n % len(runs)]) for n, i in enumerate(order)
            ]
        else:
            jobs = [
                _post_job(port, fixture, fixture.bookers[i], runs[n % len(runs)])
                for n, i in enumerate(order)
            ]
        return keep_in_flight(jobs, level, args.time_limit)

    label = "throughput" if shape == "real" else "breakdown, POST only (no form, no page after)"
    return scenario(
        f"{label}: {args.bookers} bookers, {args.runs} runs of {args.capacity}, {level} in flight",
        lambda: make_runs(fixture, f"{shape[0]}{level}-", args.runs, args.capacity),
        go,
        lambda summary, counts: verdicts("throughput", summary, counts, {"rate": 2500, "p99": 1.0}),
        args,
        ctx,
        cpu_target=45 if shape == "real" else None,
    )


# --- the breakdown: one request at a time, in-process, piece by piece ---------------------------


def breakdown_child(n=150):
    """Run by --breakdown in a child process under the same production settings as gunicorn.
    Times the booking view through Django's WSGI handler with no concurrency, then its pieces,
    then the same request with one piece changed (monkeypatched here, in this process only) to
    size what each fix would save. Prints one line per measurement."""
    setup_django(os.environ, settings_module=os.environ["DJANGO_SETTINGS_MODULE"])
    # deferred: these load the apps' models, ready only after setup_django() above
    from wagtail.signal_handlers import disable_reference_index_auto_update

    from accounts import permissions  # deferred: as above
    from accounts.models import School, User  # deferred: as above
    from bookings import services, views  # deferred: as above

    fixture = make_bookers(8 * n + 60)
    prime_sessions(b.session_key for b in fixture.bookers)
    users = {u.pk: u for u in User.objects.filter(pk__in=[b.user_id for b in fixture.bookers])}
    school = School.objects.get(pk=fixture.school_id)
    full_run = make_runs(fixture, "f", 1, 1)[0]
    roomy = iter(make_runs(fixture, "r", 6, 10_000))
    app = WSGIHandler()
    queue = iter(fixture.bookers)

    def post(run_id):
        path, headers, body = booking_request(fixture, next(queue), run_id)
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": headers["Content-Type"],
            "HTTP_HOST": HOST,
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_COOKIE": headers["Cookie"],
            "HTTP_ORIGIN": headers["Origin"],
            "HTTP_REFERER": headers["Referer"],
        }
        status = []
        chunks = app(environ, lambda s, h, e=None: status.append(int(s.split()[0])))
        content = b"".join(chunks)
        chunks.close()
        return status[0], content

    def confirm_on(run_id):
        def go():
            status, _ = post(run_id)
            assert status == 302, status

        return go

    def refuse():
        status, content = post(full_run)
        assert status == 200 and FULL_MARKERS[0] in content, status

    def timed(label, fn, times=n):
        try:
            for _ in range(3):
                fn()
            cpu, wall, queries = [], [], []
            for _ in range(times):
                with CaptureQueriesContext(connection) as ctx:
                    t0, c0 = time.perf_counter(), time.process_time()
                    fn()
                    wall.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                queries.append(len(ctx.captured_queries))
        except Exception as exc:  # the app moves on; say so rather than stop
            print(f"{label:<72} n/a ({exc.__class__.__name__}: {exc})", flush=True)
            return
        print(
            f"{label:<72} {statistics.median(wall) * 1000:6.2f} ms "
            f"{statistics.median(cpu) * 1000:6.2f} ms {statistics.median(queries):4.0f}",
            flush=True,
        )

    @contextlib.contextmanager
    def patched(obj, name, value):
        old = getattr(obj, name)
        setattr(obj, name, value)
        try:
            yield
        finally:
            setattr(obj, name, old)

    def bare_page(request, template, context):
        return HttpResponse(FULL_MARKERS[0])

    post(full_run)  # fill the one place
    teacher = users[fixture.bookers[-1].user_id]
    request = services.BookingRequest(
        school=school, booked_by=teacher, delegates=[services.Delegate(teacher)]
    )

    def forget_perms():
        for key in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            teacher.__dict__.pop(key, None)

    def lock_only():
        with transaction.atomic():
            services._lock_run(full_run)

    print(f"{'median of ' + str(n) + ', one request at a time':<72} {'wall':>9} {'CPU':>9} queries")
    timed("POST, confirmed (302)", confirm_on(next(roomy)))
    timed("POST, refused: run full (200)", refuse)
    timed(
        "  views._run_to_book_or_404 (course, venue, places taken)",
        lambda: views._run_to_book_or_404(full_run),
    )
    timed("  services._lock_run, in its own transaction", lock_only)
    timed("  services.places_taken", lambda: services.places_taken(full_run))
    timed(
        "  services._check_who_may_book, a teacher booking themself",
        lambda: (forget_perms(), services._check_who_may_book(request, full_run)),
    )
    timed(
        "    of which permissions.is_service_staff -> user.has_perm",
        lambda: (forget_perms(), permissions.is_service_staff(teacher)),
    )
    print("the same POST with one change (in this process only):")
    run = next(roomy)

    def no_reference_index():
        with disable_reference_index_auto_update():
            confirm_on(run)()

    timed("  confirmed, no Wagtail reference-index update", no_reference_index)
    run = next(roomy)

    def no_has_perm():
        with patched(permissions, "is_service_staff", lambda user: user.is_superuser):
            confirm_on(run)()

    timed("  confirmed, has_role without the has_perm queries", no_has_perm)

    def bare_refused():
        with patched(views, "render", bare_page):
            refuse()

    timed("  refused, no page rendered", bare_refused)

    return 0


# --- main ----------------------------------------------------------------------------------------


BENCH_PASSWORD = "Bench-booker-2026!"  # noqa: S105  (throwaway users in a throwaway database)


def make_people(n):
    """n teachers in one demo school (no approval, no PO), each with a verified email and a
    password, as if they had signed up and joined: they sign in for real afterwards."""
    # deferred: models load in setup_django(), which runs first
    from allauth.account.models import EmailAddress

    from accounts.models import Membership, School, User  # deferred: as above

    tag = secrets.token_hex(3)
    password = make_password(BENCH_PASSWORD)  # one hash for all: the sign-in still checks it
    with transaction.atomic():
        school = School.objects.order_by("urn").first()
        School.objects.filter(pk=school.pk).update(
            bookings_need_approval=False, po_number_required=False
        )
        domain = school.domains[0] if school.domains else "bench.example"
        users = User.objects.bulk_create(
            User(
                email=f"bench-{tag}-{i:05d}@{domain}".lower(),
                first_name="Bench",
                last_name=f"Booker {i}",
                password=password,
            )
            for i in range(n)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        Membership.objects.bulk_create(Membership(user=u, school=school) for u in users)
    return Fixture(tag, school.pk, [Booker(u.pk, email=u.email) for u in users])


def sign_in_everyone(port, fixture, threads=8):
    """Each booker signs in through allauth's page and form, before any timing."""
    errors = []
    queue = iter(fixture.bookers)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                booker = next(queue, None)
            if booker is None:
                return
            try:
                booker.visitor = sign_in(port, booker.email, BENCH_PASSWORD)
                booker.session_key = booker.visitor.cookies["sessionid"]
                booker.csrf = booker.visitor.cookies.get("csrftoken", "")
            except (OSError, RuntimeError) as exc:
                errors.append(repr(exc))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} sign-ins failed, e.g. {errors[:2]}")


def book_like_a_browser(port, booker, run_id, timeout, t0=None):
    """The course page's Book button to the confirmation page, as the browser asks for it:
    GET /book/<run>/ (for a teacher booking themself, the details form; a redirect to it is
    followed if the page sends one), POST it with the page's own fields and CSRF token to its
    action, follow the redirect to the booking's page. Latency: from the first request to the
    last byte of the last answer."""
    visitor = booker.visitor
    t0 = t0 or time.perf_counter()
    made = 0
    deadline = t0 + timeout

    def ask(method, path, **kw):
        nonlocal made
        made += 1
        return visitor.request(method, path, timeout=max(deadline - time.perf_counter(), 1), **kw)

    try:
        start = f"/book/{run_id}/"
        status, location, page = ask("GET", start)
        form_url = start
        if status == 302:
            parts = urlsplit(location)
            form_url = parts.path + (f"?{parts.query}" if parts.query else "")
            status, location, page = ask("GET", form_url, referer=start)
        if status != 200:
            return _answer(status, location, page, t0, made)
        found = post_form_to(page, form_url, f"/book/{run_id}/details/")
        if found is None:  # refused before the form is drawn
            return _answer(status, location, page, t0, made)
        target, fields = found
        status, location, page = ask("POST", target, form=fields, referer=form_url)
        if status == 302 and urlsplit(location).path.startswith("/bookings/BK-"):
            status, location, page = ask("GET", urlsplit(location).path, referer=form_url)
            if status == 200:
                return Result("confirmed", time.perf_counter() - t0, requests=made)
        return _answer(status, location, page, t0, made)
    except OSError as exc:
        return Result("client_error", time.perf_counter() - t0, repr(exc), made)


def _answer(status, location, page, t0, made):
    latency = time.perf_counter() - t0
    if status == 200 and any(marker in page for marker in FULL_MARKERS):
        return Result("full", latency, requests=made)
    if status >= 500:
        return Result("error_5xx", latency, f"{status}", made)
    return Result("unexpected", latency, f"{status} {location} {page[:160]!r}", made)


def post_only(port, fixture, booker, run_id, timeout, t0=None):
    """The breakdown's shape: only the POST, with the fields written here, not read from a
    form (no form GET, no confirmation page)."""
    path, headers, body = booking_request(fixture, booker, run_id)
    t0 = t0 or time.perf_counter()
    try:
        status, location, data = http_request(port, "POST", path, headers, body, timeout)
    except OSError as exc:
        return Result("client_error", time.perf_counter() - t0, repr(exc), 1)
    if status == 302 and urlsplit(location).path.startswith("/bookings/BK-"):
        return Result("confirmed", time.perf_counter() - t0, requests=1)
    return _answer(status, location, data, t0, 1)


def _flow(port, booker, run_id):
    return lambda timeout, t0: book_like_a_browser(port, booker, run_id, timeout, t0)


def _post_job(port, fixture, booker, run_id):
    return lambda timeout, t0: post_only(port, fixture, booker, run_id, timeout, t0)


def cpu_per_confirmed(row):
    """CPU ms per confirmed booking, refusals' work included, by whose it was."""
    cpu = row["cpu"]["by_process"]
    n = max(row["summary"]["confirmed"], 1)
    per = {k: 1000 * cpu.get(k, 0.0) / n for k in ("gunicorn", "celery", "postgres", "redis")}
    per["total"] = sum(per.values())
    return per


BENCH_SETTINGS = """\
import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = {static_root!r}

if os.environ.get("BENCH_QUERY_DIR"):
    import json
    import time

    from celery.signals import task_postrun, task_prerun, worker_process_shutdown

    _tasks = {{}}
    _now = {{}}

    def _count(execute, sql, params, many, context):
        if "n" in _now:
            _now["n"] += 1
        return execute(sql, params, many, context)

    def _before(task=None, **kwargs):
        from django.db import connection

        if _count not in connection.execute_wrappers:
            connection.execute_wrappers.append(_count)
        _now.update(n=0, cpu=time.process_time())

    def _after(task=None, **kwargs):
        row = _tasks.setdefault(task.name, [0, 0, 0.0])
        row[0] += 1
        row[1] += _now.pop("n", 0)
        row[2] += time.process_time() - _now.pop("cpu", time.process_time())

    def _dump(**kwargs):
        path = os.path.join(os.environ["BENCH_QUERY_DIR"], f"celery-{{os.getpid()}}.json")
        with open(path, "w") as fh:
            json.dump(_tasks, fh)

    task_prerun.connect(_before, weak=False)
    task_postrun.connect(_after, weak=False)
    worker_process_shutdown.connect(_dump, weak=False)
"""


QUERY_HOOKS = """\
import json
import os
import re
import time

from config.gunicorn import *  # noqa: F403

OUT = {out!r}
STEPS = [
    ("GET", re.compile(r"^/book/\\d+/$"), "GET /book/<run>/ (the Book button: the form)"),
    ("GET", re.compile(r"^/book/\\d+/details/$"), "GET /book/<run>/details/ (the form)"),
    ("POST", re.compile(r"^/book/\\d+/details/$"), "POST /book/<run>/details/ (book)"),
    ("GET", re.compile(r"^/bookings/BK-"), "GET /bookings/<reference>/ (confirmation)"),
]
_steps = {{}}
_now = {{}}


def _count(execute, sql, params, many, context):
    if "n" in _now:
        _now["n"] += 1
    return execute(sql, params, many, context)


def pre_request(worker, req):
    from django.db import connection

    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)
    _now.update(n=0, cpu=time.process_time())


def post_request(worker, req, environ, resp):
    n, cpu = _now.pop("n", 0), time.process_time() - _now.pop("cpu", time.process_time())
    step = next((s for m, p, s in STEPS if m == req.method and p.match(req.path)), None)
    if step:
        row = _steps.setdefault(step, [0, 0, 0.0])
        row[0] += 1
        row[1] += n
        row[2] += cpu


def worker_exit(server, worker):
    with open(os.path.join(OUT, f"web-{{os.getpid()}}.json"), "w") as fh:
        json.dump(_steps, fh)
"""


def queries_pass(fixture, args, ctx, n=30):
    """Queries and CPU per request step and per task, with counting hooks in the web workers
    and the Celery worker (slower, so never a headline figure): n bookings one at a time."""
    tmp = ctx["tmp"]
    out = tmp / "queries"
    out.mkdir(exist_ok=True)
    hooks = tmp / "gunicorn_queries.py"
    hooks.write_text(QUERY_HOOKS.format(out=str(out)))
    env = {**ctx["prod_env"], "BENCH_QUERY_DIR": str(out)}
    port = free_port()
    web = start_gunicorn(env, port, args.workers, tmp / "gunicorn_queries.log", config=hooks)
    worker = start_worker(env, tmp / "celery_queries.log", args.worker_concurrency)
    try:
        wait_for_health(port, web)
        wait_for_worker(ctx["redis_url"], worker)
        roomy = make_runs(fixture, "q", 1, 10_000)[0]
        tiny = make_runs(fixture, "y", 1, 1)[0]
        close_django_connections()
        people = fixture.bookers[:n]
        for booker in people:
            booker.visitor.port = port
        for booker in people[:8]:  # warm each worker's templates and connections
            book_like_a_browser(port, booker, tiny, 60)
        wait_until_drained(ctx["redis_url"], ctx["db_url"])
        # Only the measured bookings count: forget the warm-up's figures.
        stop_gunicorn(web)
        stop_worker(worker)
        for f in out.glob("*.json"):
            f.unlink()
        web = start_gunicorn(env, port, args.workers, tmp / "gunicorn_queries.log", config=hooks)
        worker = start_worker(env, tmp / "celery_queries.log", args.worker_concurrency)
        wait_for_health(port, web)
        wait_for_worker(ctx["redis_url"], worker)
        outcomes = [book_like_a_browser(port, b, roomy, 60).outcome for b in people]
        outcomes += [book_like_a_browser(port, b, tiny, 60).outcome for b in people[:10]]
        wait_until_drained(ctx["redis_url"], ctx["db_url"])
    finally:
        stop_gunicorn(web)
        stop_worker(worker)
        for booker in fixture.bookers:
            booker.visitor.port = ctx["port"]
    return queries_table(out, outcomes)


def queries_table(out, outcomes):
    steps, tasks = {}, {}
    for path in out.glob("*.json"):
        into = steps if path.name.startswith("web-") else tasks
        for name, (n, q, cpu) in json.loads(path.read_text()).items():
            row = into.setdefault(name, [0, 0, 0.0])
            row[0] += n
            row[1] += q
            row[2] += cpu
    lines = [
        f"{outcomes.count('confirmed')} bookings and {outcomes.count('full')} refusals, one at a "
        "time, with counting hooks (slower than the passes above, so CPU here is only a guide):",
        "",
        "| step or task | runs | queries each | CPU ms each |",
        "|---|---:|---:|---:|",
    ]
    for label, rows in (("", steps), ("task ", tasks)):
        for name, (n, q, cpu) in sorted(rows.items()):
            lines.append(f"| {label}{name} | {n} | {q / n:.1f} | {1000 * cpu / n:.1f} |")
    return "\n".join(lines)


def static_yardstick(port, static_root, args, ctx):
    """The machine's yardstick, in the same run: wrk on one hashed static file, from our
    gunicorn and from a bare WhiteNoise app on the same gunicorn shape."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    path = "/static/" + manifest["css/site.css"]
    ours = wrk_rate(port, path, seconds=args.static_seconds)
    if ours is None:
        return "wrk is not installed (apt-get install wrk): no static yardstick this run.", None
    tmp = ctx["tmp"]
    (tmp / "bare_whitenoise.py").write_text(BARE_WHITENOISE.format(root=str(static_root)))
    bare_port = free_port()
    bare = start_gunicorn(
        ctx["prod_env"],
        bare_port,
        args.workers,
        tmp / "bare.log",
        app="bare_whitenoise:application",
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if http_request(bare_port, "GET", path, {}, None, 5)[0] == 200:
                    break
            time.sleep(0.2)
        alone = wrk_rate(bare_port, path, seconds=args.static_seconds)
    finally:
        stop_gunicorn(bare)
    share = ours / alone if alone else 0
    met = ours >= 5500 and share >= 0.9
    text = (
        f"Static file (`{path}`, wrk, 50 connections, {args.static_seconds} s): ours "
        f"{ours:,.0f} req/s; a bare WhiteNoise app on the same gunicorn shape {alone:,.0f} req/s "
        f"({100 * share:.0f}%). Target >= 5,500 req/s and >= 90% of bare: "
        f"{'met' if met else 'NOT met'}."
    )
    return text, {"ours": ours, "bare": alone, "met": met}


def main():
    # A timeout's SIGTERM unwinds like Ctrl-C, so the servers, worker and database are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--create-db", metavar="NAME", help="create (and drop after) this DB")
    where.add_argument("--database-url", help="an existing throwaway PostgreSQL database")
    parser.add_argument("--keep-db", action="store_true", help="do not drop --create-db's DB")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db number (not 0)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--worker-concurrency", type=int, default=None, help="Celery processes (default: cores)"
    )
    parser.add_argument("--contention-requests", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=30, help="places per run")
    parser.add_argument("--bookers", type=int, default=2000, help="throughput bookers")
    parser.add_argument("--runs", type=int, default=50, help="throughput runs")
    parser.add_argument(
        "--concurrency",
        default="32",
        help="throughput bookers in flight; a comma list runs one pass per value",
    )
    parser.add_argument(
        "--scenarios",
        default="contention,throughput",
        help="which to run, comma-separated: contention, throughput, post-only (the old "
        "POST-only shape, as a breakdown)",
    )
    parser.add_argument("--time-limit", type=float, default=300, help="cap per scenario, s")
    parser.add_argument("--seed", type=int, default=2601)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each scenario wait up to this long for other processes to go quiet (0: no)",
    )
    parser.add_argument(
        "--noisy-retries",
        type=int,
        default=1,
        help="run a scenario again (fresh runs) when others took >10%% of the CPU meanwhile",
    )
    parser.add_argument("--no-queries", action="store_true", help="skip the queries pass")
    parser.add_argument("--static-seconds", type=int, default=10, help="wrk time per app")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the booking view piece by piece"
    )
    parser.add_argument("--static-root", help="reuse a collectstatic output directory")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    if args.redis_db == 0:
        raise SystemExit("use a Redis db other than 0; this script flushes it")
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    scenarios = {x.strip() for x in args.scenarios.split(",") if x.strip()}
    if not levels or not scenarios <= {"contention", "throughput", "post-only"}:
        raise SystemExit("--scenarios: contention, throughput, post-only; --concurrency numbers")
    if args.database_url:
        name = urlsplit(args.database_url).path.lstrip("/")
        if not args.database_url.startswith(("postgres://", "postgresql://")) or (
            name in NEVER_TOUCH
        ):
            raise SystemExit(f"refusing database {args.database_url!r}")

    created = None
    if args.create_db:
        url = create_database(args.create_db)
        created = args.create_db
    else:
        url = args.database_url

    OURS["db"] = urlsplit(url).path.lstrip("/")
    tmp = Path(tempfile.mkdtemp(prefix="booking_storm_"))
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    sink = SMTPSink()
    base_env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "booking-storm-" + secrets.token_urlsafe(48),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "LOG_LEVEL": "WARNING",
    }
    base_env.pop("REDIS_URL", None)
    base_env.pop("CELERY_BROKER_URL", None)
    static_root = Path(args.static_root) if args.static_root else tmp / "static"
    prod_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "booking_storm_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp), str(REPO)]),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": ORIGIN,
        "SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": "60",
        "TRUSTED_PROXY_COUNT": "1",  # as behind the load balancer: X-Forwarded-For counts
    }
    dev_env = {**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    (tmp / "booking_storm_settings.py").write_text(
        BENCH_SETTINGS.format(static_root=str(static_root))
    )
    ctx = {"tmp": tmp, "sink": sink, "redis_url": redis_url, "db_url": url, "prod_env": prod_env}

    server = worker = None
    rows = []
    extras = []
    started = datetime.now(UTC)
    try:
        flush_redis(redis_url)
        t = time.perf_counter()
        manage(dev_env, "migrate", "--noinput", "-v0")
        manage(dev_env, "seed_demo")  # demo data is refused under production settings
        if not (static_root / "staticfiles.json").exists():
            manage(prod_env, "collectstatic", "--noinput", "-v0")
        say(f"migrate, seed_demo, collectstatic: {time.perf_counter() - t:.1f} s")

        setup_django(base_env)
        fixture = make_people(max(args.contention_requests, args.bookers, 48))
        close_django_connections()
        analyze(url)

        port = ctx["port"] = free_port()
        server = start_gunicorn(prod_env, port, args.workers, tmp / "gunicorn.log")
        OURS["gunicorn"] = server.pid
        health = wait_for_health(port, server)
        worker = start_worker(prod_env, tmp / "celery.log", args.worker_concurrency)
        OURS["celery"] = worker.pid
        wait_for_worker(redis_url, worker)
        say(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; /health/ {health}")

        t = time.perf_counter()
        sign_in_everyone(port, fixture)
        wait_until_drained(redis_url, url)
        say(f"{len(fixture.bookers)} bookers signed in: {time.perf_counter() - t:.1f} s")

        wait_for_quiet(args.quiet_wait)
        static_text, _ = static_yardstick(port, static_root, args, ctx)
        say(static_text)
        extras.append(("Yardstick:", static_text))
        warm_up(port, fixture, ctx)
        say("warm-up done")

        if "contention" in scenarios:
            rows.append(contention(port, fixture, args, ctx))
        rng = random.Random(args.seed)
        for level in levels if "throughput" in scenarios else []:
            rows.append(throughput(port, fixture, args, level, rng, ctx))
        if "post-only" in scenarios:
            rows.append(throughput(port, fixture, args, max(levels), rng, ctx, shape="post"))
        stop_gunicorn(server)
        stop_worker(worker)
        if not args.no_queries:
            extras.append(("Queries per step and per task:", queries_pass(fixture, args, ctx)))
        if args.breakdown:
            result = subprocess.run(
                [sys.executable, __file__, "--breakdown-child"],
                cwd=REPO,
                env=prod_env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            breakdown_text = result.stdout.strip() or result.stderr[-3000:]
            extras.append(
                (
                    "Breakdown, POST only, one request at a time in-process (`--breakdown`; "
                    "CPU is Django's only):",
                    f"```\n{breakdown_text}\n```",
                )
            )
    finally:
        stop_gunicorn(server)
        stop_worker(worker)
        for proc, log in ((server, "gunicorn.log"), (worker, "celery.log")):
            if proc is not None and proc.returncode not in (0, None, -15):
                with contextlib.suppress(OSError):
                    say(f"{log} (tail):\n" + (tmp / log).read_text()[-3000:])
        with contextlib.suppress(Exception):
            close_django_connections()
        with contextlib.suppress(Exception):
            flush_redis(redis_url)
        sink.close()
        if created and not args.keep_db:
            drop_database(created)
        shutil.rmtree(tmp, ignore_errors=True)

    text = report(rows, machine_notes(args, started), extras)
    say("")
    say(text)
    if args.write_docs:
        write_docs(text)
        say(f"wrote '{SECTION}' / '{LATEST}' in {DOCS.relative_to(REPO)}")
    return 0 if rows and all(all(r["checks"].values()) for r in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--breakdown-child"]:
        sys.exit(breakdown_child())
    if sys.argv[1:2] == ["--prime-sessions"]:
        sys.exit(prime_sessions_child(sys.argv[2]))
    sys.exit(main())
