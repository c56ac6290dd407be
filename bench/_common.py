"""What the benchmarks share: a throwaway PostgreSQL database, a Redis db of their own, and
gunicorn under production settings on a free port. Not a test; nothing here touches a database
it did not make (or was not given by name), and never `cpd`, `test_cpd` or `postgres`."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "bench.local"
NEVER_TOUCH = {"cpd", "test_cpd", "postgres", "template0", "template1"}

# gunicorn imports this instead of config.settings.production: the same settings, with
# STATIC_ROOT moved to a temporary collectstatic so the repository is not written to.
SETTINGS_OVERRIDE = """\
from config.settings.production import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""


def say(msg):
    print(msg, flush=True)


def admin_connection():
    return psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    )


def create_database(name):
    """Make an empty database; refuses a name that exists or is shared."""
    if name in NEVER_TOUCH or name.startswith("test_") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to create database {name!r}")
    with admin_connection() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise SystemExit(f"database {name!r} already exists; drop it or choose another name")
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def check_throwaway(url):
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or name in NEVER_TOUCH:
        raise SystemExit(f"refusing database {url!r}: use a throwaway PostgreSQL database")
    return name


def drop_database(name):
    if name in NEVER_TOUCH:
        return
    with admin_connection() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def analyze(url):
    """Fresh planner statistics for rows just made, as autovacuum would leave a live database."""
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def flush_redis(url):
    redis.Redis.from_url(url).flushdb()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    """Run manage.py; returns its output, or stops the benchmark with it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def environments(db_url, redis_url, tmp):
    """(dev_env, prod_env): dev settings for seeding (demo data is refused under production),
    production settings plus a temporary STATIC_ROOT for gunicorn."""
    base = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    base.pop("CELERY_BROKER_URL", None)
    static_root = Path(tmp) / "static"
    (Path(tmp) / "bench_settings.py").write_text(
        SETTINGS_OVERRIDE.format(static_root=str(static_root))
    )
    prod = {
        **base,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp), str(REPO)]),
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": "60",
    }
    dev = {**base, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    return dev, prod


def start_gunicorn(env, port, workers, log_path):
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
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_gunicorn(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def http_get(port, path, timeout=30, host=HOST):
    """(status, body) of one GET over a fresh loopback connection, as a browser's would be
    to a sync gunicorn worker (which closes the connection after each response)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for_health(port, proc, limit=60):
    deadline = time.monotonic() + limit
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            status, body = http_get(port, "/health/", 5)
            if status == 200:
                return body.decode()
            last = f"{status} {body[:200]!r}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.25)
    raise RuntimeError(f"/health/ never answered 200 (last: {last})")


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"
