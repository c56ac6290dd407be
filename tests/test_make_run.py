"""`make run` on a fresh machine: the same steps, on a temporary SQLite file, serving the site."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_make_run_steps_serve_the_seeded_site_on_sqlite_with_no_other_services(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    )
    _manage(env, "migrate", "--noinput")
    out = _manage(env, "seed_demo", "--logins", "--history")
    assert "admin@example.gov.uk" in out and "cpd-demo-2026" in out
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
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
    finally:
        server.terminate()
        server.wait(timeout=10)
