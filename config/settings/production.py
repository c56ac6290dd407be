import json

from django.core.exceptions import ImproperlyConfigured

from core.private_storage import private_storage_setting

from .base import *  # noqa: F403
from .base import ANYMAIL, CELERY_QUEUE_ROUTES, EMAIL_PROVIDER, REDIS_URL, env, env_bool

DEBUG = False
DEMO_DATA_ALLOWED = False  # seed_demo sets known passwords
SECRET_KEY = env("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
if not REDIS_URL:
    # allauth's rate limits and the page cache need a cache shared by every worker.
    raise ImproperlyConfigured("REDIS_URL must be set in production.")


STORAGES = {
    # Media on the local disk, or in object storage when scaled out: e.g.
    # MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage with its options as JSON
    # (django-storages; see docs/deploy.md).
    "default": {
        "BACKEND": env("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env("MEDIA_STORAGE_OPTIONS", "{}")),
    },
    # Financial documents, never public: PRIVATE_MEDIA_ROOT on disk, or a private bucket.
    "private": private_storage_setting(
        env("PRIVATE_STORAGE_BACKEND", "core.private_storage.PrivateFileSystemStorage"),
        json.loads(env("PRIVATE_STORAGE_OPTIONS", "{}")),
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]  # probes and scrapers speak HTTP
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Referrer-Policy, nosniff, X-Frame-Options, CSP, Permissions-Policy and the cookies'
# HttpOnly/SameSite flags are set for every environment in base.py; here, HTTPS only.
# Read on every signed-in request: from Redis (required above), the database behind it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

if env("EMAIL_BACKEND") is None and not EMAIL_PROVIDER:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# A provider's tracking webhook is public: it takes bounces only with the secret.
if EMAIL_PROVIDER and not all(":" in pair for pair in ANYMAIL.get("WEBHOOK_SECRET") or [""]):
    raise ImproperlyConfigured(
        "EMAIL_PROVIDER is set: set EMAIL_WEBHOOK_SECRET to 'user:password' for its webhook."
    )

# Workers per queue (emails, pdfs, payments, celery): see docs/deploy.md.
CELERY_TASK_ROUTES = (CELERY_QUEUE_ROUTES,) if env_bool("CELERY_ROUTE_BY_QUEUE", True) else None
