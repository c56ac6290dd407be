"""What the Dockerfile and compose file run, exercised directly (no Docker engine here)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_dockerfile_is_clean_under_hadolint():
    result = subprocess.run(
        [str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2, "multi-stage"
    assert "USER 10001" in text
    assert "HEALTHCHECK" in text and "/health/live/" in text
    assert '"gunicorn", "config.wsgi:application"' in text
    assert "collectstatic" in text


def test_compose_runs_web_worker_beat_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    web_deps = services["web"]["depends_on"]
    assert web_deps["migrate"]["condition"] == "service_completed_successfully"
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


def test_beat_schedule_names_only_registered_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_gunicorn_serves_health_under_production_settings(database_url):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL, as production does")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "gunicorn-smoke-test-" + "k3y" * 20,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "cpd.example.gov.uk",
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = None
        for _ in range(80):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/health/ready/",
                    headers={"Host": "cpd.example.gov.uk", "X-Forwarded-Proto": "https"},
                )
                body = urllib.request.urlopen(request, timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert body is not None, "gunicorn never answered"
        assert '"database": "ok"' in body and '"cache": "ok"' in body and '"broker": "ok"' in body
        # A plain-HTTP request to a page is sent to HTTPS, as production must.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Host": "cpd.example.gov.uk"}
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"].startswith("https://cpd.example.gov.uk/")
    finally:
        server.terminate()
        server.wait(timeout=15)
