"""Fault drill: PostgreSQL restarts in the middle of a booking storm.

Not a test (it needs root to run a PostgreSQL server of its own, and a minute or two). It
starts a private PostgreSQL cluster on a free port, so nobody else's database is touched,
migrates and seeds it, and serves the site with gunicorn (4 workers, production settings,
persistent connections with health checks). Clients then book places at 16 in flight, and
a few seconds in the cluster is restarted (`pg_ctl restart -m fast`). Afterwards it checks:

  - every answer was a confirmation, "this run is full", or a clean 503 with Retry-After
    (the page that says nothing was kept); no other 5xx, no dropped connection;
  - no half-written booking: every booking has its enrolments, no run is over capacity;
  - every confirmation a client saw is in the database.

    sudo .venv/bin/python bench/drill_pg_restart.py      # as root: it runs initdb as postgres

Exit status 0 when every check holds. The figures go in docs/performance.md by hand.
"""

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
from django.db.models import Count

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_storm as storm  # noqa: E402  (the storm's server, fixture and client pieces)

PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])


def as_postgres(*cmd):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, cmd)], check=True, capture_output=True, text=True)


class PrivateCluster:
    def __init__(self, root):
        self.dir = root / "pgdata"
        self.log = root / "postgres.log"
        self.port = storm.free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/drill"

    def start(self):
        self.dir.mkdir()
        shutil.chown(self.dir.parent, "postgres")
        shutil.chown(self.dir, "postgres")
        as_postgres(PG_BIN / "initdb", "-D", self.dir, "--auth=trust", "-U", "postgres")
        self._ctl("start")
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE DATABASE drill")

    def _ctl(self, action, *extra):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
        )
        as_postgres(
            PG_BIN / "pg_ctl", action, "-D", self.dir, "-l", self.log, "-w", "-o", options, *extra
        )

    def restart(self):
        self._ctl("restart", "-m", "fast")

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")


def classify(status, location, body, headers_retry):
    if status == 302 and location.split("?")[0].split("/bookings/")[-1].startswith("BK-"):
        return "confirmed"
    if status == 200 and any(m in body for m in storm.FULL_MARKERS):
        return "full"
    if status == 503 and headers_retry:
        return "retry_later"
    if status >= 500:
        return f"error_{status}"
    return f"unexpected_{status}"


def post(port, request):
    path, headers, body = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        base = {"Host": storm.HOST, "X-Forwarded-Proto": "https", "Connection": "close"}
        conn.request("POST", path, body=body, headers={**base, **headers})
        resp = conn.getresponse()
        data = resp.read()
        return classify(
            resp.status, resp.getheader("Location", ""), data, resp.getheader("Retry-After")
        )
    except OSError as error:
        return f"client_error {type(error).__name__}"
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookers", type=int, default=900)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--restart-after", type=float, default=4.0, help="seconds into the storm")
    parser.add_argument("--redis-db", type=int, default=8)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="drill_pg_"))
    cluster = PrivateCluster(tmp)
    server = None
    try:
        cluster.start()
        redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
        base_env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "SECRET_KEY": "drill-" + secrets.token_urlsafe(48),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "ERROR",
        }
        base_env.pop("REDIS_URL", None)
        base_env.pop("CELERY_BROKER_URL", None)
        (tmp / "drill_settings.py").write_text(
            storm.SETTINGS_OVERRIDE.format(static_root=str(tmp / "static"))
        )
        prod_env = {
            **base_env,
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp), str(storm.REPO)]),
            "REDIS_URL": redis_url,
            "ALLOWED_HOSTS": f"{storm.HOST},127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": storm.ORIGIN,
            "SECURE_SSL_REDIRECT": "false",
            "DB_CONN_MAX_AGE": "60",
        }
        dev_env = {**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        storm.flush_redis(redis_url)
        storm.manage(dev_env, "migrate", "--noinput", "-v0")
        storm.manage(dev_env, "seed_demo")
        storm.manage(prod_env, "collectstatic", "--noinput", "-v0")
        storm.setup_django(base_env)
        fixture = storm.make_bookers(args.bookers)
        run_ids = storm.make_runs(fixture, "pg", args.runs, 30)
        storm.close_django_connections()

        port = storm.free_port()
        server = storm.start_gunicorn(prod_env, port, 4, tmp / "gunicorn.log")
        storm.wait_for_health(port, server)
        requests = [
            storm.booking_request(fixture, b, run_ids[i % len(run_ids)])
            for i, b in enumerate(fixture.bookers)
        ]
        outcomes = [None] * len(requests)
        queue = iter(range(len(requests)))
        lock = threading.Lock()

        def client():
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                outcomes[i] = post(port, requests[i])

        restarted = {}

        def restart():
            time.sleep(args.restart_after)
            t = time.perf_counter()
            cluster.restart()
            restarted["seconds"] = time.perf_counter() - t

        threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
        threads.append(threading.Thread(target=restart))
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started

        counts = Counter(outcomes)
        # deferred: models load in storm.setup_django(), called above
        from bookings.models import Booking

        rows = storm.run_counts(run_ids)
        bookings = Booking.objects.filter(run__in=run_ids)
        empty = bookings.annotate(n=Count("enrolments")).filter(n=0).count()
        over = [r for r in rows if r["live"] > r["capacity"]]
        made = bookings.count()

        print(f"{len(requests)} booking requests at {args.concurrency} in flight, {wall:.1f} s;")
        print(
            f"PostgreSQL restarted {args.restart_after:.0f} s in "
            f"(took {restarted['seconds']:.1f} s)"
        )
        for outcome, n in sorted(counts.items()):
            print(f"  {outcome:<28} {n}")
        print(
            f"bookings in the database: {made}; without enrolments: {empty}; "
            f"runs over capacity: {len(over)}"
        )
        bad = {o: n for o, n in counts.items() if o not in ("confirmed", "full", "retry_later")}
        checks = {
            "every answer clean (confirmed, full, or 503 + Retry-After)": not bad,
            "no half-written booking": empty == 0,
            "no run over capacity": not over,
            "every confirmation seen is in the database": made >= counts["confirmed"],
            "the restart really interrupted requests": counts["retry_later"] > 0,
        }
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'FAILED'}] {name}")
        return 0 if all(checks.values()) else 1
    finally:
        storm.stop_gunicorn(server)
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
