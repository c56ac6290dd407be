"""Each settings module, imported fresh in a subprocess with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']),"
    " 'options': db.get('OPTIONS', {}), 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    " 'broker': settings.CELERY_BROKER_URL, 'cache': settings.CACHES['default']['BACKEND']}))"
)
SCRUB = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _run(settings_module, extra_env=None, code=PROBE, args=None):
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env.update(extra_env or {})
    command = [sys.executable, *(args or ["-c", code])]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _settings(settings_module, extra_env=None):
    result = _run(settings_module, extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_variables_dev_uses_sqlite_immediate_and_in_process_celery():
    s = _settings("config.settings.dev")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["options"]["transaction_mode"] == "IMMEDIATE"
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert s["cache"].endswith("LocMemCache")


def test_with_variables_dev_uses_postgres_redis_and_a_real_broker():
    s = _settings(
        "config.settings.dev",
        {"DATABASE_URL": "postgres://u:p@db.internal:5432/cpd", "REDIS_URL": "redis://r:6379/1"},
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "cpd"
    assert s["eager"] is False
    assert s["broker"] == "redis://r:6379/1"
    assert s["cache"].endswith("RedisCache")


def test_an_unsupported_database_is_refused_with_a_clear_message():
    result = _run("config.settings.dev", {"DATABASE_URL": "mysql://u:p@h/db"})
    assert result.returncode != 0
    assert "Unsupported database engine" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _run("config.settings.production", {"REDIS_URL": "redis://r:6379/0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_redis():
    result = _run("config.settings.production", {"SECRET_KEY": "k" * 60})
    assert result.returncode != 0
    assert "REDIS_URL must be set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run(
        "config.settings.production",
        {
            "SECRET_KEY": "a-long-random-production-key-" + "x7Qp2Lm9" * 6,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "ALLOWED_HOSTS": "cpd.example.gov.uk",
        },
        args=["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_rate_limits_use_a_shared_redis_cache():
    s = _settings(
        "config.settings.production",
        {"SECRET_KEY": "k" * 60, "REDIS_URL": "redis://cache.internal:6379/0"},
    )
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
