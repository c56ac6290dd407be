"""`make run` on a fresh machine: the same steps, on a temporary SQLite file, serving the site."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def test_make_run_recipe_migrates_seeds_and_serves():
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    steps = [line for line in recipe.splitlines() if "manage.py" in line]
    assert [re.search(r"manage\.py (\w+)", s).group(1) for s in steps] == [
        "migrate",
        "seed_demo",
        "runserver",
    ]


def _recipe(port):
    """`make run PORT=<port>`'s manage.py steps: (the environment each sets, its arguments)."""
    recipe = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    steps = []
    for line in recipe.splitlines():
        if "manage.py" not in line:
            continue
        before, after = line.split("manage.py", 1)
        assigned = dict(w.split("=", 1) for w in before.split() if "=" in w)
        steps.append((assigned, after.split()))
    return steps


def test_make_run_steps_serve_the_seeded_site_on_sqlite_with_no_other_services(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "DEBUG", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    )
    port = _free_port()
    (migrate_env, migrate), (seed_env, seed), (serve_env, serve) = _recipe(port)
    _manage({**env, **migrate_env}, *migrate)
    seeding = subprocess.run(
        [sys.executable, "manage.py", *seed],
        cwd=ROOT,
        env={**env, **seed_env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert seeding.returncode == 0, seeding.stderr[-3000:]
    out = seeding.stdout
    # A summary and the logins, not a log line per task or every email the demo sends.
    assert "admin@example.gov.uk" in out and "cpd-demo-2026" in out
    assert "celery.app.trace" not in out + seeding.stderr
    assert "kombu" not in seeding.stderr  # no broker to name: tasks run in-process
    assert "Content-Type:" not in out
    assert len((out + seeding.stderr).splitlines()) < 40, out + seeding.stderr
    assert "Register open today: " in out  # whatever the weekday (README)
    assert f"Links in emails and PDFs start http://127.0.0.1:{port}" in out
    server = subprocess.Popen(
        [sys.executable, "manage.py", *serve, "--noreload"],
        cwd=ROOT,
        env={**env, **serve_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        home = None
        for _ in range(120):
            try:
                home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.25)
        assert home is not None, "the development server never answered"
        html = home.decode()
        for strand in ("Improving teaching and learning", "Building capacity for inclusion"):
            assert strand in html
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/site.css", timeout=5)
        assert css.status == 200
        admin = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
        assert admin.status == 200
        check = urllib.request.urlopen(f"http://127.0.0.1:{port}/certificates/", timeout=5)
        assert check.status == 200
        # A missing page is the site's own 404, not Django's debug page.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
        assert missing.value.code == 404
        page = missing.value.read().decode()
        assert "Page not found" in page and "go to the home page" in page
        assert "Using the URLconf" not in page
    finally:
        server.terminate()
        server.wait(timeout=10)
    # Links in emails and PDFs: the server's settings name the port it serves on.
    link = _manage(
        {**env, **serve_env},
        "shell",
        "-c",
        "from core.links import site_url; print(site_url('/billing/'))",
    )
    assert link.strip().splitlines()[-1] == f"http://127.0.0.1:{port}/billing/"
