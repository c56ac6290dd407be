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
    "EMAIL_BACKEND",
    "EMAIL_PROVIDER",
    "EMAIL_WEBHOOK_SECRET",
    "POSTMARK_SERVER_TOKEN",
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
    # Django's Redis cache, made to fail soft when Redis is away (core/cache.py).
    assert s["cache"] == "core.cache.ResilientRedisCache"
    from django.core.cache.backends.redis import RedisCache

    from core.cache import ResilientRedisCache

    assert issubclass(ResilientRedisCache, RedisCache)


PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-key-" + "x7Qp2Lm9" * 6,
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "cpd.example.gov.uk",
    "DATABASE_URL": "sqlite://:memory:",
}
HEADERS_PROBE = (
    "import json, django; django.setup(); from django.conf import settings;"
    "from django.test import Client;"
    "r = Client().get('/robots.txt', secure=True, HTTP_HOST='cpd.example.gov.uk');"
    "print(json.dumps({'status': r.status_code, 'headers': dict(r.headers), 'cookies': {"
    " n: getattr(settings, n) for n in ('SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
    " 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY',"
    " 'CSRF_COOKIE_SAMESITE')}}))"
)


def test_production_sends_hsts_csp_and_the_other_security_headers():
    result = _run("config.settings.production", PRODUCTION_ENV, code=HEADERS_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = probe["headers"]
    assert probe["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_production_cookies_are_secure_http_only_and_same_site():
    result = _run("config.settings.production", PRODUCTION_ENV, code=HEADERS_PROBE)
    assert result.returncode == 0, result.stderr
    cookies = json.loads(result.stdout.strip().splitlines()[-1])["cookies"]
    assert cookies == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


def test_the_deploy_check_covers_our_content_security_policy():
    """`check --deploy` runs the project's CSP check, so CI would catch a loosened policy."""
    result = _run(
        "config.settings.production",
        PRODUCTION_ENV,
        args=["manage.py", "check", "--deploy", "--fail-level", "WARNING", "--tag", "security"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    code = (
        "import django; django.setup(); from django.core import checks;"
        "print(any(c.__name__ == 'check_content_security_policy'"
        " for c in checks.registry.registry.get_checks(include_deployment_checks=True)))"
    )
    probe = _run("config.settings.production", PRODUCTION_ENV, code=code)
    assert probe.stdout.strip().splitlines()[-1] == "True", probe.stderr


STORAGE_PROBE = (
    "import json, django; django.setup();"
    "from django.core.files.storage import storages; s = storages['default'];"
    "print(json.dumps({'class': type(s).__module__ + '.' + type(s).__name__,"
    " 'bucket': s.bucket_name, 'domain': s.custom_domain,"
    " 'url': s.url('images/x.png')}))"
)


def test_production_media_can_live_in_object_storage_from_the_environment():
    """docs/deploy.md: django-storages' S3 backend, chosen and configured by two variables
    (no network is touched to build a URL on a custom domain)."""
    result = _run(
        "config.settings.production",
        {
            **PRODUCTION_ENV,
            "MEDIA_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
            "MEDIA_STORAGE_OPTIONS": json.dumps(
                {"bucket_name": "cpd-media", "custom_domain": "media.cpd.example.gov.uk"}
            ),
        },
        code=STORAGE_PROBE,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["class"] == "storages.backends.s3.S3Storage"
    assert probe["bucket"] == "cpd-media"
    assert probe["url"] == "https://media.cpd.example.gov.uk/images/x.png"


MAIL_PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "from django.urls import get_resolver;"
    "print(json.dumps({'backend': settings.EMAIL_BACKEND,"
    " 'token': settings.ANYMAIL.get('POSTMARK_SERVER_TOKEN'),"
    " 'webhooks': [str(p.pattern) for p in get_resolver().url_patterns"
    " if str(p.pattern).startswith('email/')]}))"
)
PRODUCTION = {"SECRET_KEY": "k" * 60, "REDIS_URL": "redis://r:6379/0"}


def _mail(extra_env):
    result = _run("config.settings.production", {**PRODUCTION, **extra_env}, code=MAIL_PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_by_smtp_unless_a_provider_is_chosen():
    smtp = _mail({})
    assert smtp["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["webhooks"] == []  # nothing to receive provider events

    postmark = _mail(
        {
            "EMAIL_PROVIDER": "Postmark",
            "POSTMARK_SERVER_TOKEN": "server-token",
            "EMAIL_WEBHOOK_SECRET": "postmark:webhook-password",
        }
    )
    assert postmark["backend"] == "anymail.backends.postmark.EmailBackend"
    assert postmark["token"] == "server-token"
    assert postmark["webhooks"] == ["email/events/"]


def test_an_unknown_email_provider_is_refused_with_a_clear_message():
    result = _run("config.settings.dev", {"EMAIL_PROVIDER": "govuk_notify"})
    assert result.returncode != 0
    assert "EMAIL_PROVIDER='govuk_notify' is not one of postmark" in result.stderr


def test_production_refuses_a_provider_without_a_webhook_secret():
    result = _run(
        "config.settings.production",
        {**PRODUCTION, "EMAIL_PROVIDER": "postmark", "POSTMARK_SERVER_TOKEN": "t"},
        code=MAIL_PROBE,
    )
    assert result.returncode != 0
    assert "set EMAIL_WEBHOOK_SECRET" in result.stderr
