"""Booking storm: many people booking places at once, through gunicorn, on PostgreSQL.

Long because it is a benchmark script, not app code, and due to be rewritten as a whole.

Not a test. It drives the real web booking path (POST /book/<run>/details/, the view that calls
bookings.services.book_places) over loopback HTTP against gunicorn (4 sync workers) running
under production settings, in two scenarios:

  contention  500 bookers released together at one run with 30 places. Target: exactly 30
              confirmed, every other answer "this run is full", no 5xx, p99 <= 2 s.
  throughput  2,000 bookers spread over 50 runs of 30 places, with a fixed number of requests
              in flight (closed loop; --concurrency, one pass per value). Target: >= 2,400
              confirmations a minute, p99 <= 1 s.

After each pass it counts live enrolments per run in the database (never more than capacity)
and checks them against what the clients were told, and reports the CPU used meanwhile by our
gunicorn, by PostgreSQL for our database, and by everything else on the machine. A pass where
other people's work took over a tenth of the CPU is run again on fresh runs (--noisy-retries).

Everything it needs it makes, in a throwaway PostgreSQL database: migrate, seed_demo, bench
users in one demo school (verified email, no approval, no PO), a logged-in session and a CSRF
secret for each, and fresh open runs with a session in the future. Each session is loaded once
through the session engine before timing, as the form page a booker sees before posting would
(with production's cached_db, that puts it in Redis), and the database is analysed, as
autovacuum would have left it. Redis db 9 (not 0) is the
cache and the broker; it is flushed before and after. Celery is not eager when REDIS_URL is
set, so confirmation emails are queued in Redis and never sent: the enqueue is measured, the
email is not. gunicorn reads production settings plus one override, STATIC_ROOT, pointed at a
temporary collectstatic (the manifest storage needs one to render a page). Nothing is written
into the repository except, with --write-docs, the "### Latest run" part of the
"## Booking storm" section of docs/performance.md.

    .venv/bin/python bench/booking_storm.py --create-db bench_storm --breakdown --write-docs

--create-db refuses a database that already exists and drops it at the end (--keep-db keeps
it); --database-url uses an existing throwaway database (never cpd or test_cpd) and leaves it.
--breakdown then times the booking view one request at a time, piece by piece, and with one
piece changed at a time (monkeypatched in a child process) to size each possible fix.
--profile times every booking request inside the workers (CPU, queries, SQL time, row-lock
wait, SQL by statement); --cprofile DIR adds a CPU-clock cProfile of the workers (very slow).
Neither is a headline figure.
"""

import argparse
import contextlib
import http.client
import io
import json
import math
import os
import pstats
import random
import secrets
import shutil
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
from _common import (  # noqa: E402  (bench/ is not a package)
    BIN,
    HOST,
    NEVER_TOUCH,
    REPO,
    SETTINGS_OVERRIDE,
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
ORIGIN = f"https://{HOST}"
FULL_MARKERS = (b"This run is full", b"left; you asked for")

# gunicorn imports this instead of config.settings.production: the same settings, with
# STATIC_ROOT moved to a temporary collectstatic so the repository is not written to.

# --profile: gunicorn server hooks that time each booking request inside the worker.
PROFILE_HOOKS = """\
import cProfile
import json
import os
import time

OUT = {out!r}
CPROFILE = {cprofile!r}
_state = {{}}


def post_worker_init(worker):
    # The CPU clock, not wall: waits (row lock, database, run queue) show in the timings.
    _state["prof"] = cProfile.Profile(time.process_time) if CPROFILE else None
    _state["requests"] = []
    _state["sql"] = {{}}


def _timer(execute, sql, params, many, context):
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - t0
        current = _state.get("current")
        if current is not None:
            current["sql_n"] += 1
            current["sql_s"] += elapsed
            if "FOR UPDATE" in sql:
                current["lock_s"] += elapsed
        flat = " ".join(sql.split())
        key = flat if len(flat) <= 150 else f"{{flat[:80]}} … {{flat[-60:]}}"
        agg = _state["sql"].setdefault(key, [0, 0.0])
        agg[0] += 1
        agg[1] += elapsed


def pre_request(worker, req):
    if not req.path.startswith("/book/") or req.method != "POST":
        return
    from django.db import connection

    _state["current"] = {{
        "t0": time.perf_counter(),
        "c0": time.process_time(),
        "sql_n": 0,
        "sql_s": 0.0,
        "lock_s": 0.0,
    }}
    if _timer not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timer)
    if _state["prof"]:
        _state["prof"].enable()


def post_request(worker, req, environ, resp):
    current = _state.pop("current", None)
    if current is None:
        return
    if _state["prof"]:
        _state["prof"].disable()
    from django.db import connection

    if _timer in connection.execute_wrappers:
        connection.execute_wrappers.remove(_timer)
    current["wall_s"] = time.perf_counter() - current.pop("t0")
    current["cpu_s"] = time.process_time() - current.pop("c0")
    current["status"] = int(str(resp.status).split()[0])
    _state["requests"].append(current)


def worker_exit(server, worker):
    if "requests" not in _state:
        return
    pid = os.getpid()
    if _state["prof"]:
        _state["prof"].dump_stats(os.path.join(OUT, f"worker-{{pid}}.pstats"))
    with open(os.path.join(OUT, f"worker-{{pid}}.json"), "w") as fh:
        json.dump({{"requests": _state["requests"], "sql": _state["sql"]}}, fh)
"""


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


def start_gunicorn(env, port, workers, log_path, config_path=None):
    cmd = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
    ]
    if config_path:
        cmd += ["--config", str(config_path)]
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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


OURS = {"gunicorn": None, "db": None}  # our gunicorn master's pid, our database's name


def _kind(pid, comm, ppid):
    """Whose CPU is this? Our gunicorn (master and workers), PostgreSQL working for our
    database (or for nobody in particular: the postmaster, checkpointer, ...), Redis, this
    process, or other people's work: tests, their gunicorns, their databases' backends."""
    if pid == os.getpid():
        return "load generator"
    if OURS["gunicorn"] in (pid, ppid):
        return "gunicorn"
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
    session_key: str
    csrf: str


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
    """n teachers in one demo school (no approval, no PO), each with a verified email, a
    logged-in session (as django.contrib.auth.login would store it) and a CSRF secret."""
    # deferred: models load in setup_django(), which runs first
    from allauth.account.models import EmailAddress
    from django.contrib.sessions.models import Session  # deferred: as above

    from accounts.models import Membership, School, User  # deferred: as above

    tag = secrets.token_hex(3)
    alnum = string.ascii_letters + string.digits
    key_chars = string.ascii_lowercase + string.digits
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
                password=make_password(None),
            )
            for i in range(n)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        Membership.objects.bulk_create(Membership(user=u, school=school) for u in users)
        store, expires = SessionStore(), timezone.now() + timezone.timedelta(days=1)
        bookers, sessions = [], []
        for u in users:
            key = get_random_string(32, key_chars)
            data = {
                SESSION_KEY: str(u.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: u.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            bookers.append(Booker(u.pk, key, get_random_string(32, alnum)))
        Session.objects.bulk_create(sessions)
    return Fixture(tag, school.pk, bookers)


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


@dataclass
class Result:
    outcome: str  # confirmed | full | error_5xx | unexpected | client_error | not_answered
    latency: float | None
    detail: str = ""


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


def book(port, request, timeout, t0=None):
    """One booking; latency from t0 (default: now) to the last byte of the answer."""
    path, headers, body = request
    t0 = t0 or time.perf_counter()
    try:
        status, location, data = http_request(port, "POST", path, headers, body, timeout)
    except OSError as exc:
        return Result("client_error", time.perf_counter() - t0, repr(exc))
    latency = time.perf_counter() - t0
    if status == 302 and urlsplit(location).path.startswith("/bookings/BK-"):
        return Result("confirmed", latency)
    if status == 200 and any(marker in data for marker in FULL_MARKERS):
        return Result("full", latency)
    if status >= 500:
        return Result("error_5xx", latency, f"{status}")
    return Result("unexpected", latency, f"{status} {location} {data[:160]!r}")


def fire_together(port, requests, time_limit):
    """Contention: one thread per request, released together by a barrier."""
    n = len(requests)
    results = [None] * n
    gate = []  # the moment the barrier opens: every latency is measured from it
    barrier = threading.Barrier(n + 1, action=lambda: gate.append(time.perf_counter()))

    def one(i):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            results[i] = Result("client_error", None, "barrier broken")
            return
        results[i] = book(port, requests[i], time_limit, t0=gate[0])

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


def keep_in_flight(port, requests, concurrency, time_limit):
    """Throughput: a closed loop of `concurrency` clients working through the requests."""
    results = [None] * len(requests)
    next_index = iter(range(len(requests)))
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
            results[i] = book(port, requests[i], max(deadline - time.perf_counter(), 1))
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


def summarise(results, wall):
    counts = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    latencies = sorted(r.latency for r in results if r.latency is not None)
    samples = sorted({r.detail for r in results if r.outcome not in ("confirmed", "full")})
    return {
        "requests": len(results),
        "wall_s": round(wall, 2),
        "counts": counts,
        "confirmed": counts.get("confirmed", 0),
        "full": counts.get("full", 0),
        "errors_5xx": counts.get("error_5xx", 0),
        "other": len(results) - counts.get("confirmed", 0) - counts.get("full", 0),
        "confirmations_per_min": round(60 * counts.get("confirmed", 0) / wall, 0) if wall else 0,
        "requests_per_s": round(len(results) / wall, 1) if wall else 0,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else None,
        "problems": samples[:5],
    }


def warm_up(port, fixture, n=48):
    """Every worker imports, compiles templates and opens its connections before timing starts:
    bookings on a roomy run and refusals on a run of one place."""
    roomy = make_runs(fixture, "w", 1, 10_000)[0]
    tiny = make_runs(fixture, "x", 1, 1)[0]
    close_django_connections()
    bookers = fixture.bookers[-n:]
    jobs = [booking_request(fixture, b, roomy) for b in bookers]
    jobs += [booking_request(fixture, b, tiny) for b in bookers[:24]]
    results, _ = keep_in_flight(port, jobs, 8, 60)
    bad = [r for r in results if r.outcome not in ("confirmed", "full")]
    if bad:
        raise RuntimeError(f"warm-up failed: {bad[:3]}")


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
            "every other answer 'full'": s["full"] == s["requests"] - s["confirmed"],
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
        "| scenario | requests | confirmed | full | 5xx | unexpected | wall "
        "| confirmations/min | p50 | p95 | p99 | max | CPU s: gunicorn / postgres / others "
        "| targets met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        s = row["summary"]
        cpu = row["cpu"]["by_process"]
        met = all(row["checks"].values())
        lines.append(
            f"| {row['label']} | {s['requests']} | {s['confirmed']} | {s['full']} "
            f"| {s['errors_5xx']} | {s['other']} | {s['wall_s']:.1f} s "
            f"| {s['confirmations_per_min']:,.0f} | {fmt_s(s['p50'])} | {fmt_s(s['p95'])} "
            f"| {fmt_s(s['p99'])} | {fmt_s(s['max'])} "
            f"| {cpu.get('gunicorn', 0):.1f} / {cpu.get('postgres', 0):.1f} "
            f"/ {cpu.get('other', 0):.1f} | {'yes' if met else 'no'} |"
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


def report(rows, meta, breakdown=""):
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
        out.append(
            f"  CPU meanwhile: {parts}; the machine was {cpu['machine_busy_pct']}% busy"
            f"{' (attempt ' + str(row['attempt']) + ')' if row['attempt'] > 1 else ''}"
            f"{'; NOISY: other processes competed for the cores' if noisy(row) else ''}."
        )
        if row["summary"]["problems"]:
            out.append(f"  Unexpected answers (samples): {row['summary']['problems']}")
    if breakdown:
        out += [
            "",
            "One request at a time, in-process through Django's WSGI handler under the same "
            "settings (`--breakdown`; CPU is Django's only, not PostgreSQL's):",
            "",
            "```",
            breakdown,
            "```",
        ]
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
        "per request) runs on the same cores. Latency is from sending a request (for "
        "contention, from the gate that releases them all) to the last byte of the answer."
    )
    command = f".venv/bin/python bench/booking_storm.py {argv}"
    return f"{textwrap.fill(notes, 96)} Reproduce:\n\n    {command}\n"


INTRO = """\
`bench/booking_storm.py` books places through the real web path (`POST /book/<run>/details/`,
which calls `bookings.services.book_places`) over loopback HTTP against gunicorn with 4 sync
workers under production settings and PostgreSQL, then counts live enrolments per run in the
database. It makes its own throwaway database, users, sessions and runs; see its docstring.

- **Contention**: 500 bookers released together at one run of 30 places. Target: exactly 30
  confirmed, every other answer "this run is full", no 5xx, p99 <= 2 s.
- **Throughput**: 2,000 bookers over 50 runs of 30 places (1,500 places, so 500 refusals),
  with a fixed number of requests in flight (closed loop). Target: >= 2,400 confirmations per
  minute (counted over the whole pass, refusals included) with p99 <= 1 s.

With sync workers, requests beyond the 4 being served wait in the listen queue, so in a closed
loop the latency is about (requests in flight) / (requests per second): once the workers are
saturated, more requests in flight buy no throughput, only latency. Each pass reports the CPU
used meanwhile by our gunicorn, PostgreSQL working for our database, and everything else
("others": other people's tests, servers and databases on the same two cores). A pass where
others took over a tenth of the CPU is marked noisy and run again on fresh runs.
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


def profile_summary(out_dir, top=25):
    lines = []
    stats_files = sorted(Path(out_dir).glob("worker-*.pstats"))
    reqs, sql = [], {}
    for path in Path(out_dir).glob("worker-*.json"):
        data = json.loads(path.read_text())
        reqs += data["requests"]
        for key, (n, t) in data["sql"].items():
            agg = sql.setdefault(key, [0, 0.0])
            agg[0] += n
            agg[1] += t
    if reqs:
        for label, pick in (
            ("confirmed (302)", lambda r: r["status"] == 302),
            ("refused (200)", lambda r: r["status"] == 200),
        ):
            chosen = [r for r in reqs if pick(r)]
            if not chosen:
                continue
            n = len(chosen)
            avg = {k: sum(r[k] for r in chosen) / n for k in ("wall_s", "cpu_s", "sql_s", "lock_s")}
            q = sum(r["sql_n"] for r in chosen) / n
            lines.append(
                f"{label}: {n} requests; in the worker, mean wall {avg['wall_s'] * 1000:.1f} ms, "
                f"CPU {avg['cpu_s'] * 1000:.1f} ms, {q:.1f} queries taking "
                f"{avg['sql_s'] * 1000:.1f} ms (of which waiting on the run's row lock "
                f"{avg['lock_s'] * 1000:.1f} ms)"
            )
        lines.append("")
        lines.append("SQL by total time (calls, total s, statement):")
        for key, (n, t) in sorted(sql.items(), key=lambda kv: -kv[1][1])[:20]:
            lines.append(f"  {n:6d} {t:8.3f}  {key}")
    if stats_files:
        buf = io.StringIO()
        stats = pstats.Stats(*map(str, stats_files), stream=buf)
        stats.sort_stats("cumulative").print_stats(top)
        lines.append("")
        lines.append(buf.getvalue())
    return "\n".join(lines)


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


def scenario(name, make, go, check, args):
    """Make the runs, wait for a quiet machine, run, count; again (on fresh runs) if others'
    work took a noticeable share of the CPU, up to --noisy-retries times."""
    for attempt in range(args.noisy_retries + 1):
        runs = make()
        close_django_connections()
        if args.quiet_wait:
            rate = wait_for_quiet(args.quiet_wait)
            if rate > 0.15:
                say(f"  (machine not quiet: others use {rate:.2f} cores; running anyway)")
        before = cpu_snapshot()
        results, wall = go(runs)
        cpu = cpu_delta(before, cpu_snapshot())
        summary = summarise(results, wall)
        counts = run_counts(runs)
        close_django_connections()
        row = {
            "label": name,
            "summary": summary,
            "counts": counts,
            "cpu": cpu,
            "checks": check(summary, counts),
            "attempt": attempt + 1,
        }
        say(scenario_table([row]))
        if not noisy(row):
            break
        say(f"  others took {cpu['by_process'].get('other', 0):.1f} s of CPU meanwhile: noisy")
    return row


def contention(port, fixture, args):
    """Everyone at once at one run."""
    bookers = fixture.bookers[: args.contention_requests]
    return scenario(
        f"contention: {len(bookers)} at once, 1 run of {args.capacity}",
        lambda: make_runs(fixture, "c", 1, args.capacity),
        lambda runs: fire_together(
            port, [booking_request(fixture, b, runs[0]) for b in bookers], args.time_limit
        ),
        lambda summary, counts: verdicts(
            "contention", summary, counts, {"capacity": args.capacity, "p99": 2.0}
        ),
        args,
    )


def throughput(port, fixture, args, level, rng):
    """Bookers in random order, each at one of the runs, `level` requests in flight."""
    order = list(range(args.bookers))
    rng.shuffle(order)

    def go(runs):
        requests = [
            booking_request(fixture, fixture.bookers[i], runs[i % len(runs)]) for i in order
        ]
        return keep_in_flight(port, requests, level, args.time_limit)

    return scenario(
        f"throughput: {args.bookers} bookers, {args.runs} runs of {args.capacity}, "
        f"{level} in flight",
        lambda: make_runs(fixture, f"t{level}-", args.runs, args.capacity),
        go,
        lambda summary, counts: verdicts("throughput", summary, counts, {"rate": 2400, "p99": 1.0}),
        args,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--create-db", metavar="NAME", help="create (and drop after) this DB")
    where.add_argument("--database-url", help="an existing throwaway PostgreSQL database")
    parser.add_argument("--keep-db", action="store_true", help="do not drop --create-db's DB")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis db number (not 0)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--contention-requests", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=30, help="places per run")
    parser.add_argument("--bookers", type=int, default=2000, help="throughput bookers")
    parser.add_argument("--runs", type=int, default=50, help="throughput runs")
    parser.add_argument(
        "--concurrency",
        default="8,16,32,64",
        help="throughput clients in flight; a comma list runs one pass per value",
    )
    parser.add_argument(
        "--scenarios", default="contention,throughput", help="which to run, comma-separated"
    )
    parser.add_argument("--time-limit", type=float, default=120, help="cap per scenario, s")
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
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the booking view piece by piece"
    )
    parser.add_argument("--profile", action="store_true", help="time requests in the workers")
    parser.add_argument(
        "--cprofile",
        metavar="DIR",
        help="with --profile, also cProfile the workers (CPU clock) and keep the files in DIR",
    )
    parser.add_argument("--static-root", help="reuse a collectstatic output directory")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    if args.redis_db == 0:
        raise SystemExit("use a Redis db other than 0; this script flushes it")
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    scenarios = {x.strip() for x in args.scenarios.split(",") if x.strip()}
    if not levels or not scenarios <= {"contention", "throughput"}:
        raise SystemExit("--scenarios takes contention and/or throughput; --concurrency numbers")
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
    base_env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "booking-storm-" + secrets.token_urlsafe(48),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
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
    }
    dev_env = {**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    (tmp / "booking_storm_settings.py").write_text(
        SETTINGS_OVERRIDE.format(static_root=str(static_root))
    )
    config_path = None
    if args.profile:
        (tmp / "profile").mkdir()
        config_path = tmp / "gunicorn_profile.py"
        config_path.write_text(
            PROFILE_HOOKS.format(out=str(tmp / "profile"), cprofile=bool(args.cprofile))
        )

    server = None
    rows = []
    profile_text = breakdown_text = ""
    started = datetime.now(UTC)
    try:
        flush_redis(redis_url)
        t = time.perf_counter()
        manage(dev_env, "migrate", "--noinput", "-v0")
        manage(dev_env, "seed_demo")  # demo data is refused under production settings
        if not (static_root / "staticfiles.json").exists():
            manage(prod_env, "collectstatic", "--noinput", "-v0")
        say(f"migrate, seed_demo, collectstatic: {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        setup_django(base_env)
        fixture = make_bookers(max(args.contention_requests, args.bookers, 48))
        close_django_connections()
        keys = tmp / "session_keys.txt"
        keys.write_text("\n".join(b.session_key for b in fixture.bookers))
        subprocess.run(
            [sys.executable, __file__, "--prime-sessions", str(keys)],
            cwd=REPO,
            env=prod_env,
            check=True,
        )
        analyze(url)
        say(f"{len(fixture.bookers)} bookers with sessions: {time.perf_counter() - t:.1f} s")

        port = free_port()
        server = start_gunicorn(prod_env, port, args.workers, tmp / "gunicorn.log", config_path)
        OURS["gunicorn"] = server.pid
        health = wait_for_health(port, server)
        say(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; /health/ {health}")
        warm_up(port, fixture)
        say("warm-up done")

        if "contention" in scenarios:
            rows.append(contention(port, fixture, args))
        rng = random.Random(args.seed)
        for level in levels if "throughput" in scenarios else []:
            rows.append(throughput(port, fixture, args, level, rng))
        stop_gunicorn(server)
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
    finally:
        stop_gunicorn(server)
        if server is not None and server.returncode not in (0, None):
            log = tmp / "gunicorn.log"
            if log.exists():
                say("gunicorn log (tail):\n" + log.read_text()[-3000:])
        if args.profile and (tmp / "profile").exists():
            profile_text = profile_summary(tmp / "profile")
            if args.cprofile:
                shutil.copytree(tmp / "profile", args.cprofile, dirs_exist_ok=True)
        with contextlib.suppress(Exception):
            close_django_connections()
        with contextlib.suppress(Exception):
            flush_redis(redis_url)
        if created and not args.keep_db:
            drop_database(created)
        shutil.rmtree(tmp, ignore_errors=True)

    text = report(rows, machine_notes(args, started), breakdown_text)
    say("")
    say(text)
    if profile_text:
        say("\n--- profile (inside the workers; slower than a plain run) ---\n")
        say(profile_text)
    if args.write_docs:
        if args.profile:
            say("not writing docs from a --profile run (its figures are slowed by the hooks)")
        else:
            write_docs(text)
            say(f"wrote '{SECTION}' / '{LATEST}' in {DOCS.relative_to(REPO)}")
    return 0 if rows and all(all(r["checks"].values()) for r in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--breakdown-child"]:
        sys.exit(breakdown_child())
    if sys.argv[1:2] == ["--prime-sessions"]:
        sys.exit(prime_sessions_child(sys.argv[2]))
    sys.exit(main())
