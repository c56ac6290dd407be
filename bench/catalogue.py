"""Catalogue speed: the course finder and a course page at 100 and 2,000 extra courses.

Not a test. In a throwaway PostgreSQL database it runs migrate and `seed_demo --scale N` (N
courses with 3 runs each, on top of the demo programme) for each size, then:

  in-process   Django's test Client under production settings, one request at a time:
               median and p95 latency, median CPU time of the Django process (steadier than
               wall time when other work shares the cores) and SQL queries per request of the
               finder (no filters, three filters, a text query) and of a course page. Two
               figures for the finder:
               "computed" with the shared page cache off (every request works out matches,
               counts and the page), and "page cache" as an anonymous visitor gets it.
               "after a change" is the first request once an edit retired the catalogue.
  pathological a 2,000-character query and operator soup, computed (target < 1 s).
  gunicorn     4 sync workers, 16 clients in flight (closed loop) for --seconds each: the
               finder at one URL, the finder over 40 filter states, and 40 course pages.

Targets (issue 3): same query count at both sizes; finder median < 40 ms at 2,000 (single
request); >= 115 requests/s for the finder and course pages under gunicorn; a pathological
query answered cleanly in under 1 s.

    .venv/bin/python bench/catalogue.py --create-db bench_catalogue --write-docs

--create-db refuses a database that exists and drops it at the end (--keep-db keeps it);
--database-url uses an existing throwaway database. Redis db --redis-db (13) is flushed before
and after. With --write-docs it rewrites the "### Latest run" part of "## Catalogue speed" in
docs/performance.md.
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

# Django's own modules read no settings when imported; the apps' modules need django.setup().
import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    HOST,
    REPO,
    analyze,
    check_throwaway,
    create_database,
    drop_database,
    environments,
    flush_redis,
    free_port,
    http_get,
    load_average,
    manage,
    percentile,
    say,
    start_gunicorn,
    stop_gunicorn,
    wait_for_health,
)

DOCS = REPO / "docs" / "performance.md"
SECTION = "## Catalogue speed"
LATEST = "### Latest run"

FINDER = {
    "finder, no filters": "/courses/",
    "finder, three filters": "/courses/?strand=inclusion&phase=primary&places=available",
    "finder, text query": "/courses/?q=assessment+for+teaching+assistants",
}
PATHOLOGICAL = {
    "2,000-character query": "assessment " * 182,
    "operators": '"a" | !b & (c) OR NOT "SEND" NEAR/3 ^ofsted* -governors +data ' * 30,
    "12 misspelt words": "asessment teching asistants leadrship safegaurding goverors "
    "curiculum inclussion phonicss behavoir atendance wellbeeing",
}


# --- in-process, in a child under production settings -------------------------------------------


def measure_child(samples):
    django.setup()
    # deferred: models load in django.setup(), just above
    from courses.models import CoursePage
    from search import services, views  # deferred: as above

    client = Client(HTTP_HOST=HOST, secure=True)
    course = CoursePage.objects.live().filter(slug__startswith="scale-").order_by("pk").first()
    requests = {**FINDER, "course page": course.url}

    def timed(path, before=None, n=samples):
        # Wall time, and this process's CPU time: other work on the machine stretches the
        # first but hardly the second (PostgreSQL's and Redis's own time are in neither).
        times, cpu = [], []
        for _ in range(n):
            if before:
                before()
            t, c = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        times.sort()
        return {
            "median": statistics.median(times),
            "p95": percentile(times, 95),
            "cpu": statistics.median(cpu),
        }

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    page_key = views._page_key
    out = {"courses": CoursePage.objects.live().count(), "rows": []}
    for name, path in requests.items():
        views._page_key = lambda request: ""  # the page cache off: every request computed
        client.get(path)  # warm: the catalogue, the site root, templates
        row = {"name": name, "queries": queries(path), "computed": timed(path)}
        if name.startswith("finder"):
            row["after_change"] = timed(path, services.catalogue_changed, n=max(5, samples // 5))
            views._page_key = page_key
            client.get(path)
            row["cached"] = timed(path)
        out["rows"].append(row)

    views._page_key = lambda request: ""
    for name, query in PATHOLOGICAL.items():
        t = time.perf_counter()
        response = client.get("/courses/", {"q": query})
        ms = (time.perf_counter() - t) * 1000
        clean = response.status_code == 200 and b"</html>" in response.content
        out.setdefault("pathological", []).append({"name": name, "ms": ms, "clean": clean})

    finder_mix = [
        f"/courses/?strand={s}&phase={p}&page={page}"
        for s in ("teaching-and-learning", "leadership", "using-data", "inclusion", "inspection")
        for p in ("primary", "secondary")
        for page in (1, 2)
    ] + [f"/courses/?month={m}&places=available" for m in _months(services)]
    out["finder_mix"] = finder_mix[:40]
    out["course_mix"] = [
        c.url
        for c in CoursePage.objects.live().filter(slug__startswith="scale-").order_by("pk")[:40]
    ]
    out["course_url"] = course.url
    print(json.dumps(out))


def _months(services):
    catalogue = services.load_catalogue()
    return [o.value for o in catalogue.facet("month").options]


# --- gunicorn -----------------------------------------------------------------------------------


def closed_loop(port, paths, concurrency, seconds):
    """`concurrency` clients, each sending its next request as soon as the last is answered."""
    latencies, statuses = [], {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset):
        i = offset
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += concurrency
            t = time.perf_counter()
            try:
                status, _ = http_get(port, path)
            except OSError:
                status = "error"
            ms = (time.perf_counter() - t) * 1000
            with lock:
                latencies.append(ms)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "statuses": statuses,
    }


# --- the run ------------------------------------------------------------------------------------


def run_size(n, env, prod_env, args, tmp):
    t = time.perf_counter()
    out = manage(env, "seed_demo", "--scale", str(n))
    seed_s = time.perf_counter() - t
    scale_line = next((line for line in out.splitlines() if "Scale catalogue" in line), "")
    analyze(env["DATABASE_URL"])
    measured_load = load_average()
    result = subprocess.run(
        [sys.executable, __file__, "--measure-child", str(args.samples)],
        cwd=REPO,
        env=prod_env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"in-process measurement failed:\n{result.stderr[-4000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured.update(n=n, seed_s=seed_s, scale_line=scale_line, load_before=measured_load)

    port = free_port()
    server = start_gunicorn(prod_env, port, args.workers, tmp / f"gunicorn-{n}.log")
    try:
        wait_for_health(port, server)
        for path in [*measured["finder_mix"], *measured["course_mix"]]:
            http_get(port, path)  # each worker builds its catalogue; templates compiled
        for _ in range(args.workers * 2):
            http_get(port, "/courses/")
        measured["gunicorn"] = {
            "finder, one URL": closed_loop(port, ["/courses/"], args.concurrency, args.seconds),
            "finder, 40 filter states": closed_loop(
                port, measured["finder_mix"], args.concurrency, args.seconds
            ),
            "course page, one": closed_loop(
                port, [measured["course_url"]], args.concurrency, args.seconds
            ),
            "course pages, 40": closed_loop(
                port, measured["course_mix"], args.concurrency, args.seconds
            ),
        }
    finally:
        stop_gunicorn(server)
    measured["load"] = load_average()
    return measured


def report(results, args, started):
    lines = [
        f"Run {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; "
        f"gunicorn {args.workers} sync workers, {args.concurrency} clients in flight, "
        f"{args.seconds:g} s per pass; {args.samples} in-process samples per request; "
        "production settings, PostgreSQL, Redis cache.",
        "",
        "| courses | request | queries | computed median / p95 ms | computed CPU ms "
        "| after a change ms | page cache median / p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for row in r["rows"]:
            computed = f"{row['computed']['median']:.1f} / {row['computed']['p95']:.1f}"
            change = f"{row['after_change']['median']:.0f}" if "after_change" in row else "–"
            cached = (
                f"{row['cached']['median']:.1f} / {row['cached']['p95']:.1f}"
                if "cached" in row
                else "–"
            )
            lines.append(
                f"| {r['courses']} | {row['name']} | {row['queries']} | {computed} "
                f"| {row['computed']['cpu']:.1f} | {change} | {cached} |"
            )
    lines += ["", "| courses | under gunicorn | requests/s | p50 ms | p95 ms | answers |"]
    lines.append("|---|---|---|---|---|---|")
    for r in results:
        for name, g in r["gunicorn"].items():
            answers = ", ".join(f"{k}: {v}" for k, v in sorted(g["statuses"].items(), key=str))
            lines.append(
                f"| {r['courses']} | {name} | {g['rps']:.0f} | {g['p50']:.0f} | {g['p95']:.0f} "
                f"| {answers} |"
            )
    lines += [
        "",
        "| courses | pathological query (computed) | ms | clean page |",
        "|---|---|---|---|",
    ]
    for r in results:
        for p in r["pathological"]:
            clean = "yes" if p["clean"] else "NO"
            lines.append(f"| {r['courses']} | {p['name']} | {p['ms']:.0f} | {clean} |")
    lines.append("")
    for r in results:
        lines.append(f"- Load average before the in-process pass at {r['n']}: {r['load_before']}.")
        lines.append(
            f"- `seed_demo --scale {r['n']}`: {r['seed_s']:.0f} s in all ({r['scale_line']}); "
            f"load average after the pass: {r['load']}."
        )
    return "\n".join(lines)


def verdicts(results):
    big = results[-1]
    counts = {
        row["name"]: {r["rows"][i]["queries"] for r in results} for i, row in enumerate(big["rows"])
    }
    finder_median = max(r["computed"]["median"] for r in big["rows"] if "finder" in r["name"])
    g = big["gunicorn"]
    return {
        "query count the same at every size": all(len(v) == 1 for v in counts.values()),
        f"finder median (computed) < 40 ms at {big['courses']} courses": finder_median < 40,
        "finder >= 115 requests/s (one URL)": g["finder, one URL"]["rps"] >= 115,
        "finder >= 115 requests/s (40 filter states)": g["finder, 40 filter states"]["rps"] >= 115,
        "course pages >= 115 requests/s": min(
            g["course page, one"]["rps"], g["course pages, 40"]["rps"]
        )
        >= 115,
        "pathological queries clean in < 1 s": all(
            p["clean"] and p["ms"] < 1000 for r in results for p in r["pathological"]
        ),
    }


def write_docs(text):
    doc = DOCS.read_text()
    start = doc.index(SECTION)
    latest = doc.index(LATEST, start)
    after = doc.find("\n## ", latest)
    end = len(doc) if after == -1 else after + 1
    DOCS.write_text(
        doc[:latest] + f"{LATEST}\n\n{text}\n" + ("\n" + doc[end:] if after != -1 else "")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--create-db", metavar="NAME", help="make (and drop) this PostgreSQL db")
    parser.add_argument("--database-url", help="an existing throwaway PostgreSQL database")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--redis-db", type=int, default=13, help="flushed before and after")
    parser.add_argument("--sizes", default="100,2000", help="extra courses, ascending")
    parser.add_argument("--samples", type=int, default=40, help="in-process requests per figure")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.redis_db == 0:
        raise SystemExit("use a Redis db other than 0; this script flushes it")
    if bool(args.create_db) == bool(args.database_url):
        raise SystemExit("give --create-db NAME or --database-url URL (see the docstring)")
    url = create_database(args.create_db) if args.create_db else args.database_url
    name = check_throwaway(url)
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    tmp = Path(tempfile.mkdtemp(prefix="bench_catalogue_"))
    env, prod_env = environments(url, redis_url, tmp)
    started = datetime.now(UTC)
    results = []
    try:
        flush_redis(redis_url)
        t = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v0")
        manage(prod_env, "collectstatic", "--noinput", "-v0")
        say(f"migrate, collectstatic: {time.perf_counter() - t:.0f} s")
        for n in sorted(int(x) for x in args.sizes.split(",")):
            results.append(run_size(n, env, prod_env, args, tmp))
            say(f"N={n}: done")
    finally:
        with contextlib.suppress(Exception):
            flush_redis(redis_url)
        if args.create_db and not args.keep_db:
            drop_database(name)
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(results, args, started)
    checks = verdicts(results)
    text += "\n\n" + "\n".join(
        f"- {'met' if ok else 'MISSED'}: {what}" for what, ok in checks.items()
    )
    say("\n" + text)
    if args.write_docs:
        write_docs(text)
        say(f"wrote '{SECTION}' / '{LATEST}' in {DOCS.relative_to(REPO)}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-child"]:
        sys.exit(measure_child(int(sys.argv[2])))
    sys.exit(main())
