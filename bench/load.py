"""Mixed load: people browsing, searching, subscribing and booking at once, through gunicorn on
loopback with PostgreSQL and Redis, under production settings. Not a test.

Long because it is a benchmark script, not app code, and due to be rewritten as a whole.

The load generator is wrk (C, `apt-get install wrk`; no locust: nothing is installed into the
shared virtualenv): one wrk process per page type, all started together, each with its share of
the 50 connections (closed loop: a connection sends its next request when the last is answered),
so each type gets its own requests per second, p50/p95/p99 and errors. A Lua script per type
rotates through its URLs and checks every answer: 200 for pages, feeds and the static file, a
302 to the new booking for a booking POST; anything else is an error, as is a socket error.

Phases, all against the same gunicorn in the same run:
  warm-up    the mix for a few seconds (every worker imports, compiles templates, connects)
  static     only the static file (whitenoise, hashed and compressed), all 50 connections: the
             baseline of what the server can answer at all
  cached     only anonymous course pages, all 50 connections (the page cache answers nearly all)
  mix        home, strands, the finder, course pages (anonymous, and signed in: never cached),
             a search, the programme feed, booking POSTs by signed-in teachers, and the static
             file, 50 connections in all, for --duration seconds, each asking again as soon as
             it is answered: saturation, the server's capacity. wrk cannot follow a form, so
             its bookings are the POST alone, reported as a breakdown.
  users      the same mix as 50 people, each pausing --think ms (1-3 s) between pages, for
             --users-duration seconds: what "50 users" means in a load tool. Python threads,
             a new connection per page (see paced_users for why not wrk here). Here a booking
             is what a browser asks for (bench/booking_storm.py's book_like_a_browser): the
             Book button, the form, its POST with the page's CSRF token, the confirmation
             page; its latency is the whole path.

Targets (issue 10, "Speed"), on this 2-core machine: cached course pages at >= 25% of the
static file's throughput; pages that are not cached (finder, search, feed, signed-in course
pages, booking) at p95 < 300 ms with 50 users (the users phase; the saturated mix is reported
beside it); no errors.

Everything it needs it makes, like bench/booking_storm.py (whose helpers it uses): a throwaway
PostgreSQL database (migrate, seed_demo, dropped after), teachers in one demo school who each
sign in through allauth's page before timing (their cookies are the signed-in pages' too), open
runs to book, a temporary collectstatic, Redis db --redis-db (flushed before and after), a
Celery worker on every production queue (docker-compose.yml's), and an SMTP server in this
process for the confirmation emails; the run ends only when the queues are empty. gunicorn runs
the Dockerfile's command (config/gunicorn.py, WEB_CONCURRENCY=4 sync workers) with production
settings plus STATIC_ROOT moved to the temporary collectstatic.

    .venv/bin/python bench/load.py --create-db bench_load --write-docs
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_storm as storm  # noqa: E402  (bench/ is not a package)
from _browser import (  # noqa: E402  (bench/ is not a package)
    SMTPSink,
    start_worker,
    stop_worker,
    wait_for_worker,
    wait_until_drained,
)

REPO = storm.REPO
DOCS = REPO / "docs" / "performance.md"
SECTION = "## Mixed load"
HOST, ORIGIN = storm.HOST, storm.ORIGIN

# Connections per page type in the mix: 50 in all, weighted like a term-time morning.
MIX = {
    "home": 5,
    "strand": 5,
    "course (anonymous)": 12,
    "course (signed in)": 4,
    "finder": 6,
    "search": 5,
    "programme feed": 3,
    "book": 6,
    "static file": 4,
}
UNCACHED = ("finder", "search", "programme feed", "course (signed in)", "book")

LUA = """
local requests = {requests}
local expect_status = {status}
local expect_location = {location}
local i = 0
bad = 0
hits = 0
samples = {{}}

function request()
   i = i + 1
   return requests[(i - 1) % #requests + 1]
end

function response(status, headers, body)
   local location = headers["Location"] or ""
   if status ~= expect_status or (expect_location ~= "" and
         string.sub(location, 1, #expect_location) ~= expect_location) then
      bad = bad + 1
      if #samples < 3 then
         local sample = status .. " " .. location .. " " .. string.sub(body or "", 1, 120)
         table.insert(samples, (string.gsub(sample, '[%c"\\\\]', " ")))
      end
   end
   if headers["X-Page-Cache"] == "hit" then hits = hits + 1 end
end

local threads = {{}}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests_)
   local b, h, s = 0, 0, {{}}
   for _, t in ipairs(threads) do
      b = b + t:get("bad")
      h = h + t:get("hits")
      for _, x in ipairs(t:get("samples")) do table.insert(s, x) end
   end
   local e = summary.errors
   io.write(string.format(
      'RESULT {{"requests": %d, "duration_us": %d, "bad": %d, "hits": %d, "socket_errors": %d, '
      .. '"timeouts": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "samples": [%s]}}\\n',
      summary.requests, summary.duration, b, h, e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
      (#s > 0) and ('"' .. table.concat(s, '", "') .. '"') or ""))
end
"""


def lua_string(value):
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our ASCII URLs


def lua_requests(items):
    """items: (method, path, headers, body) -> a Lua table of wrk.format()ted requests."""
    parts = []
    for method, path, headers, body in items:
        all_headers = {"Host": HOST, "X-Forwarded-Proto": "https", **headers}
        table = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in all_headers.items())
        body_lua = lua_string(body) if body else "nil"
        parts.append(
            f"wrk.format({lua_string(method)}, {lua_string(path)}, {{{table}}}, {body_lua})"
        )
    return "{\n  " + ",\n  ".join(parts) + "\n}"


def write_script(tmp, name, items, status=200, location=""):
    path = tmp / (name.replace(" ", "_").replace("(", "").replace(")", "") + ".lua")
    path.write_text(
        LUA.format(requests=lua_requests(items), status=status, location=lua_string(location))
    )
    return path


def start_wrk(port, script, connections, seconds):
    return subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def collect(proc, name):
    out, _ = proc.communicate(timeout=600)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk for {name} printed no result:\n{out[-2000:]}")
    r = json.loads(line[len("RESULT ") :])
    seconds = r["duration_us"] / 1e6
    return {
        "type": name,
        "requests": r["requests"],
        "rps": r["requests"] / seconds if seconds else 0.0,
        "p50": r["p50_us"] / 1000,
        "p95": r["p95_us"] / 1000,
        "p99": r["p99_us"] / 1000,
        "max": r["max_us"] / 1000,
        "errors": r["bad"] + r["socket_errors"] + r["timeouts"],
        "timeouts": r["timeouts"],
        "socket_errors": r["socket_errors"],
        "hit_ratio": r["hits"] / r["requests"] if r["requests"] else 0.0,
        "samples": r["samples"],
    }


def phase(port, scripts, seconds):
    """scripts: {type: (script, connections)}; every wrk starts together."""
    procs = {name: start_wrk(port, s, c, seconds) for name, (s, c) in scripts.items()}
    return [collect(proc, name) for name, proc in procs.items()]


def paced_users(port, plans, people, seconds, think):
    """`people` {type: n}: each person a thread that pauses `think` (min, max ms, uniform) and
    then asks for its next page over a new connection, for `seconds`. Not wrk: wrk reconnects
    as soon as an answer comes and then pauses, so each pause holds a sync worker on an idle
    socket, which no browser behind a load balancer does (the balancer hands the worker a whole
    request). Latency is from connecting to the last byte, as in the other phases."""
    stop = time.monotonic() + seconds
    found = {name: [] for name in people}
    lock = threading.Lock()

    def person(name, k, n, rng):
        items, status, location = plans[name]
        if name == "book":  # (booker, run) pairs: each person books as their own bookers
            bookers = sorted({b.user_id: b for b, _ in items}.values(), key=lambda b: b.user_id)
            mine_ = {b.user_id for b in bookers[k::n]}
            mine = [(b, run) for b, run in items if b.user_id in mine_]
        else:
            mine = items[k::n] or items
        i = 0
        while True:
            time.sleep(rng.uniform(*think) / 1000)
            if time.monotonic() >= stop or (name == "book" and i >= len(mine)):
                return
            t0 = time.perf_counter()
            if name == "book":
                booker, run_id = mine[i]
                i += 1
                got = storm.book_like_a_browser(port, booker, run_id, timeout=30)
                ok, hit = got.outcome == "confirmed", False
                detail = "" if ok else f"{got.outcome} {got.detail}"
                with lock:
                    found[name].append((time.perf_counter() - t0, ok, hit, detail))
                continue
            method, path, headers, body = mine[i % len(mine)]
            i += 1
            try:
                got, where, hit = _ask(port, method, path, headers, body)
                ok = got == status and where.startswith(location)
                detail = "" if ok else f"{got} {where}"
            except OSError as error:
                ok, hit, detail = False, False, f"socket: {error}"
            with lock:
                found[name].append((time.perf_counter() - t0, ok, hit, detail))

    threads = []
    for name, n in people.items():
        for k in range(n):
            rng = random.Random(f"{name}-{k}")
            threads.append(threading.Thread(target=person, args=(name, k, n, rng), daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    return [_summary(name, found[name], seconds) for name in people]


def _ask(port, method, path, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        base = {"Host": HOST, "X-Forwarded-Proto": "https", "Connection": "close"}
        data = body.encode() if body else None
        conn.request(method, path, body=data, headers={**base, **headers})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Location", ""), resp.getheader("X-Page-Cache") == "hit"
    finally:
        conn.close()


def _summary(name, rows, seconds):
    times = sorted(r[0] for r in rows)

    def pct(p):
        return 1000 * storm.percentile(times, p) if times else 0.0

    return {
        "type": name,
        "requests": len(rows),
        "rps": len(rows) / seconds,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": 1000 * times[-1] if times else 0.0,
        "errors": sum(1 for r in rows if not r[1]),
        "timeouts": 0,
        "socket_errors": sum(1 for r in rows if r[3].startswith("socket")),
        "hit_ratio": sum(1 for r in rows if r[2]) / len(rows) if rows else 0.0,
        "samples": [r[3] for r in rows if r[3]][:3],
    }


# --- what to request ---------------------------------------------------------------------------


def booking_posts(fixture, runs):
    """Every booker's POST for each run, run by run (a person books a run once)."""
    posts = []
    for run_id in runs:
        for booker in fixture.bookers:
            path, headers, body = storm.booking_request(fixture, booker, run_id)
            headers = {k: v for k, v in headers.items() if k != "User-Agent"}
            posts.append(("POST", path, headers, body.decode()))
    return posts


def plan(fixture, static_root, book_runs):
    """The URLs and requests of each page type, from the seeded database."""
    # deferred: models load in storm.setup_django(), which main() calls first
    from courses.models import CoursePage, StrandPage

    courses = [c.url for c in CoursePage.objects.live().order_by("path")]
    strands = [s.url for s in StrandPage.objects.live().order_by("path")]
    booked_course = CoursePage.objects.get(runs=book_runs[0]).url
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    static = "/static/" + manifest["css/site.css"]
    queries = ["phonics", "send", "leadership", "assessment", "maths", "early years", "reading"]
    finder = [
        "/courses/",
        "/courses/?phase=primary",
        "/courses/?places=1",
        "/courses/?format=online",
    ]

    def get(paths, headers=None):
        return [("GET", p, headers or {}, None) for p in paths]

    signed_in = []
    for i, booker in enumerate(fixture.bookers[:200]):
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in booker.visitor.cookies.items())}
        signed_in.append(("GET", courses[i % len(courses)], cookie, None))
    bookings = booking_posts(fixture, book_runs)
    # anonymous course pages: the booked course among them, so bookings purge what is browsed
    anonymous_courses = [booked_course, *[c for c in courses if c != booked_course]]
    return {
        "home": (get(["/"]), 200, ""),
        "strand": (get(strands), 200, ""),
        "course (anonymous)": (get(anonymous_courses), 200, ""),
        "course (signed in)": (signed_in, 200, ""),
        "finder": (get(finder), 200, ""),
        "search": (get([f"/courses/?{urlencode({'q': q})}" for q in queries]), 200, ""),
        "programme feed": (get(["/calendar/programme.ics"]), 200, ""),
        "book": (bookings, 302, "/bookings/BK-"),
        "static file": (get([static]), 200, ""),
        # alone: a handful of course pages, stored before timing (36 pages with a 5 s life
        # would measure renders at a low request rate, not the cache)
        "cached course pages": (get(anonymous_courses[:6]), 200, ""),
    }


# --- the report ----------------------------------------------------------------------------------


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows):
    lines = [
        "| page type | requests | req/s | p50 ms | p95 ms | p99 ms | errors | cache hits |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        hits = f"{100 * r['hit_ratio']:.0f} %" if r["hit_ratio"] else "–"
        lines.append(
            f"| {r['type']} | {r['requests']} | {r['rps']:.1f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} | {hits} |"
        )
    return "\n".join(lines)


# The wrk mix books as the old shape did (only the POST: wrk does not follow a form); the users
# phase books as a browser does, so its latency is the whole path.
LABELS = {
    "mix": {"book": "book: the POST alone (breakdown)"},
    "users": {"book": "book: Book button to confirmation (4 requests)"},
}


def _labelled(rows, phase_name):
    names = LABELS[phase_name]
    return [{**r, "type": names.get(r["type"], r["type"])} for r in rows]


# Each alone on 50 connections: the yardstick, the cached pages, and issue 17's two pages
# that no cache serves whole, with their targets (requests a second).
ALONE = ("static file", "cached course pages", "course (signed in)", "finder")
ALONE_TARGETS = {"course (signed in)": 150, "finder": 250}


def report(alone, mix, meta, users=(), think=""):
    by = {r["type"]: r for r in mix}
    static_alone, course_alone = alone["static file"], alone["cached course pages"]
    ratio_alone = course_alone["rps"] / static_alone["rps"]
    per_conn = {t: by[t]["rps"] / MIX[t] for t in ("course (anonymous)", "static file") if t in by}
    ratio_mix = per_conn["course (anonymous)"] / per_conn["static file"]
    worst_uncached = max(by[t]["p95"] for t in UNCACHED)
    errors = sum(r["errors"] for r in mix) + sum(r["errors"] for r in alone.values())
    verdict = [
        f"- cached course pages / static file, each alone on 50 connections: "
        f"{course_alone['rps']:.0f} / {static_alone['rps']:.0f} req/s = "
        f"**{100 * ratio_alone:.0f} %** (target >= 25 %: "
        f"{'met' if ratio_alone >= 0.25 else 'NOT met'})",
        f"- the same ratio inside the mix, per connection: **{100 * ratio_mix:.0f} %**",
        *(
            f"- {name} alone on 50 connections: **{alone[name]['rps']:.0f} req/s** "
            f"(target >= {target}: {'met' if alone[name]['rps'] >= target else 'NOT met'})"
            for name, target in ALONE_TARGETS.items()
            if name in alone
        ),
        f"- slowest p95 of the uncached types with 50 connections asking back to back "
        f"(saturation, no pauses): **{worst_uncached:.0f} ms**",
    ]
    errors += sum(r["errors"] for r in users)
    if users:
        by_user = {r["type"]: r for r in users}
        # A page's target; the users' booking is four requests, so it is told apart below.
        worst_paced = max(by_user[t]["p95"] for t in UNCACHED if t != "book")
        verdict.append(
            f"- slowest p95 of the uncached pages (finder, search, feed, signed-in course) "
            f"with 50 users pausing {think.replace(',', '–')} ms between pages: "
            f"**{worst_paced:.0f} ms** (target < 300 ms with 50 users: "
            f"{'met' if worst_paced < 300 else 'NOT met'})"
        )
        book = by_user["book"]
        verdict.append(
            f"- a booking by those users, the Book button to the confirmation page (4 "
            f"requests): p95 **{book['p95']:.0f} ms**, about {book['p95'] / 4:.0f} ms a request"
        )
    verdict.append(
        f"- errors in all phases: **{errors}** (target 0: {'met' if errors == 0 else 'NOT met'})"
    )
    problems = [f"  - {r['type']}: {s}" for r in mix for s in r["samples"]]
    problems += [
        f"  - {r['type']}: {r['timeouts']} not answered within wrk's 10 s timeout, "
        f"{r['socket_errors']} socket errors"
        for r in [*alone.values(), *mix]
        if r["timeouts"] or r["socket_errors"]
    ]
    return "\n".join(
        [
            meta,
            "",
            "Alone, 50 connections each:",
            "",
            table(list(alone.values())),
            "",
            f"The mix, {sum(MIX.values())} connections asking back to back:",
            "",
            table(_labelled(mix, "mix")),
            "",
            *(
                [
                    f"The mix as {sum(MIX.values())} users, each pausing "
                    f"{think.replace(',', '–')} ms between pages:",
                    "",
                    table(_labelled(users, "users")),
                    "",
                ]
                if users
                else []
            ),
            *verdict,
            *(["- samples of errors:", *problems] if problems else []),
        ]
    )


def write_docs(text, command):
    body = (
        f"{SECTION}\n\n"
        "Reproduce (needs `wrk`, PostgreSQL on 127.0.0.1 and Redis; makes and drops its own "
        "database):\n\n"
        f"    {command}\n\n"
        "How it runs is in the script's docstring (`bench/load.py`). Percentiles are wrk's, "
        "closed loop: each connection waits for its answer before sending again, so with 4 "
        "sync workers and 50 connections most of a request's time is its wait for a free "
        "worker, whatever it asks for; the alone phases size what one request costs. The "
        "users phase is the same mix as 50 people who each pause 1-3 s between pages "
        "(threads, a new connection per page; latency counts from connecting). A "
        "cached page costs two Redis round trips and no query; a course page's copy lives "
        "5 s and is dropped at once by a booking on it, so at a low request rate many "
        "requests are renders (the cache-hit column). On a shared machine the figures say as "
        "much about other people's work as about this code: read them with the load average "
        "and the CPU line, and re-run on a quiet machine before taking them as capacity.\n\n"
        f"### Latest run\n\n{text}\n"
    )
    current = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    if SECTION in current:
        before, _, after = current.partition(SECTION)
        rest = after.split("\n## ", 1)
        tail = ("\n## " + rest[1]) if len(rest) > 1 else ""
        current = before + body.rstrip() + "\n" + tail
    else:
        current = current.rstrip() + "\n\n" + body
    DOCS.write_text(current)


# --- main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--create-db", metavar="NAME", help="made, seeded, then dropped")
    where.add_argument("--database-url", help="an existing throwaway database, already seeded")
    parser.add_argument("--keep-db", action="store_true", help="do not drop --create-db's DB")
    parser.add_argument("--redis-db", type=int, default=10, help="Redis db (not 0), flushed")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument("--duration", type=int, default=40, help="seconds of the mix")
    parser.add_argument("--alone", type=int, default=15, help="seconds of each alone phase")
    parser.add_argument("--bookers", type=int, default=400)
    parser.add_argument(
        "--users-duration",
        type=int,
        default=60,
        help="seconds of the mix as 50 people who pause between pages (0: skip)",
    )
    parser.add_argument(
        "--think", default="1000,3000", help="each person's pause between pages, MIN,MAX ms"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="first wait up to this long for other processes to go quiet (0: no)",
    )
    parser.add_argument("--static-root", help="reuse a collectstatic output directory")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    if args.redis_db == 0:
        raise SystemExit("use a Redis db other than 0; this script flushes it")
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")

    if args.database_url:
        name = urlsplit(args.database_url).path.lstrip("/")
        if name in storm.NEVER_TOUCH or not args.database_url.startswith("postgres"):
            raise SystemExit(f"refusing database {args.database_url!r}")
        url = args.database_url
    else:
        url, name = storm.create_database(args.create_db), args.create_db
    storm.OURS["db"] = name
    tmp = Path(tempfile.mkdtemp(prefix="load_"))
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    sink = SMTPSink()  # the confirmation emails the worker sends
    base_env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "mixed-load-" + secrets.token_urlsafe(48),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "PAGE_CACHE_ENABLED"):
        base_env.pop(name, None)
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
        "WEB_CONCURRENCY": str(args.workers),
        "TRUSTED_PROXY_COUNT": "1",  # as behind the load balancer: X-Forwarded-For counts
    }
    dev_env = {**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    (tmp / "booking_storm_settings.py").write_text(
        storm.BENCH_SETTINGS.format(static_root=str(static_root))
    )
    server = worker = None
    started = datetime.now(UTC)
    try:
        storm.flush_redis(redis_url)
        t = time.perf_counter()
        if args.create_db:
            storm.manage(dev_env, "migrate", "--noinput", "-v0")
            storm.manage(dev_env, "seed_demo")
        if not (static_root / "staticfiles.json").exists():
            storm.manage(prod_env, "collectstatic", "--noinput", "-v0")
        storm.say(f"migrate, seed_demo, collectstatic: {time.perf_counter() - t:.0f} s")

        storm.setup_django(base_env)
        fixture = storm.make_people(args.bookers)
        book_runs = storm.make_runs(fixture, "load", 10, 100_000)
        # The users phase books runs of its own: the mix's bookers have booked its runs.
        users_runs = storm.make_runs(fixture, "users", 10, 100_000)
        storm.close_django_connections()
        storm.analyze(url)

        port = storm.free_port()
        server = subprocess.Popen(
            [
                str(storm.BIN / "gunicorn"),
                "config.wsgi:application",
                "--config",
                "python:config.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-tmp-dir",
                "/dev/shm",  # noqa: S108  (as the Dockerfile: heartbeat files off the disk)
            ],
            cwd=REPO,
            env=prod_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        storm.OURS["gunicorn"] = server.pid
        storm.wait_for_health(port, server)
        worker = start_worker(prod_env, tmp / "celery.log")
        storm.OURS["celery"] = worker.pid
        wait_for_worker(redis_url, worker)
        storm.say(f"gunicorn on 127.0.0.1:{port}, {args.workers} sync workers; a Celery worker")
        t = time.perf_counter()
        storm.sign_in_everyone(port, fixture)  # through allauth's page, as people do
        storm.say(f"{len(fixture.bookers)} bookers signed in: {time.perf_counter() - t:.0f} s")
        plans = plan(fixture, static_root, book_runs)
        storm.close_django_connections()
        users_book = [(b, run) for run in users_runs for b in fixture.bookers]
        scripts = {
            name: write_script(tmp, name, items, status, location)
            for name, (items, status, location) in plans.items()
        }

        # Warm-up: the mix without bookings (so every booker's first booking is timed).
        warm = {k: (scripts[k], c) for k, c in MIX.items() if k != "book"}
        phase(port, warm, 8)
        storm.say("warm-up done")

        others = storm.wait_for_quiet(args.quiet_wait) if args.quiet_wait else None
        load_before = loadavg()
        cpu0 = storm.cpu_snapshot()
        alone = {}
        for name in ALONE:
            for _, path, headers, _ in plans[name][0]:  # stored before timing (cached pages)
                storm.http_request(port, "GET", path, headers, None, 30)
            (alone[name],) = phase(port, {name: (scripts[name], 50)}, args.alone)
            storm.say(f"{name} alone: {alone[name]['rps']:.0f} req/s")
        mix = phase(port, {k: (scripts[k], c) for k, c in MIX.items()}, args.duration)
        cpu = storm.cpu_delta(cpu0, storm.cpu_snapshot())
        users = []
        if args.users_duration:
            think = tuple(int(x) for x in args.think.split(","))
            paced = {**plans, "book": (users_book, 302, "/bookings/BK-")}
            users = paced_users(port, paced, MIX, args.users_duration, think)
        drained = wait_until_drained(redis_url, url)
        emails = sink.counts()
        load_after = loadavg()
    finally:
        storm.stop_gunicorn(server)
        stop_worker(worker)
        sink.close()
        with contextlib.suppress(Exception):
            storm.close_django_connections()
        with contextlib.suppress(Exception):
            storm.flush_redis(redis_url)
        if args.create_db and not args.keep_db:
            storm.drop_database(args.create_db)
        shutil.rmtree(tmp, ignore_errors=True)

    meta = (
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, gunicorn {args.workers} sync "
        f"workers, PostgreSQL and Redis on loopback, wrk; {args.alone} s per alone phase, "
        f"{args.duration} s of the mix. Load average before {load_before}, after {load_after}; "
        f"other people's processes used {others if others is None else round(others, 2)} "
        "cores just before; "
        f"CPU seconds meanwhile by process: {cpu['by_process']} "
        f"(machine {cpu['machine_busy_pct']} % busy). A Celery worker ran what the bookings "
        f"queued: the queues were empty {drained:.1f} s after the last page, with "
        f"{emails[0]} confirmation emails sent ({emails[1]} with a calendar file)."
    )
    if others is not None and others > 0.5:
        meta += (
            f"\n\n**A busy machine:** other people's work used {others:.1f} of the "
            f"{os.cpu_count()} cores as it started; these figures are not this code's capacity. "
            "Re-run on a quiet machine."
        )
    text = report(alone, mix, meta, users, args.think)
    storm.say("\n" + text)
    if args.write_docs:
        command = ".venv/bin/python bench/load.py --create-db bench_load" + "".join(
            f" --{k.replace('_', '-')} {v}"
            for k, v in vars(args).items()
            if k in ("duration", "alone", "bookers", "workers", "users_duration", "think")
        )
        write_docs(text, command)
        storm.say(f"wrote '{SECTION}' in {DOCS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
