"""Settings shared by every environment. Values come from environment variables.

Long because Django reads its settings from one module: splitting them would only scatter
what an operator needs to read in one place."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from core.logging import logging_config
from core.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_env(default_sqlite_path):
    """DATABASE_URL, or a local SQLite file. SQLite takes write locks up front (IMMEDIATE)
    so the capacity check in a booking transaction cannot be raced by another writer."""
    url = env("DATABASE_URL") or f"sqlite:///{default_sqlite_path}"
    config = dj_database_url.parse(url, conn_max_age=int(env("DB_CONN_MAX_AGE", "0")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
        config["OPTIONS"].setdefault("timeout", 20)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(f"Unsupported database engine: {config['ENGINE']}")
    return config


SECRET_KEY = env("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "home",
    "courses",
    "accounts",
    "bookings",
    "billing",
    "settlement",
    "reports",
    "search",
    "demo",
    "core.apps.ProjectConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "accounts.microsoft",  # allauth's Microsoft provider, trusting only vouched addresses
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_prometheus",
    "anymail",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.badinput.BadInputMiddleware",  # NUL refused before anything reads a parameter
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "core.pagecache.PageCacheMiddleware",  # before sessions: a hit needs none of what follows
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "home.middleware.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminAccessMiddleware",  # before the MFA gate wraps request.user
    "accounts.middleware.StaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.site_navigation",
                "core.pagecache.fragment_versions",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
# Scale-out: a read replica for reports only, used explicitly with .using(REPORTS_DATABASE).
# No router sends anything there by itself: availability and booking always read the primary.
if env("REPORTS_DATABASE_URL"):
    DATABASES["reports"] = {
        **dj_database_url.parse(env("REPORTS_DATABASE_URL"), conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
REPORTS_DATABASE = "reports" if "reports" in DATABASES else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, each reading staff powers with the user (accounts.backends).
    # A session names its backend, so one made before these were ours asks to sign in again.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
WAGTAILADMIN_LOGIN_URL = "account_login"  # admin sign-in goes through allauth: rate limits, MFA
LOGIN_REDIRECT_URL = "/"

# allauth: email is the identity; usernames do not exist.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    # Anonymous public forms (home.public_forms): enough for a person, not for a flood.
    "public_form": env("PUBLIC_FORM_RATE_LIMIT", "5/10m/ip"),
}
# Who "ip" is in those limits: behind a load balancer every request comes from its address, so
# name the proxies in front of the app (each appends the address it saw to X-Forwarded-For;
# the client is the one the outermost trusted proxy saw), or a header the edge sets and
# overwrites. Left at 0, REMOTE_ADDR counts (serving without a proxy). docs/deploy.md.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER") or None
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CPD] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "School Improvement CPD"
# Anyone with staff powers must set up TOTP before any page that reads who they are
# (accounts.middleware.StaffMFAMiddleware). Off only under `make run` and the test settings.
ADMIN_MFA_REQUIRED = env_bool("ADMIN_MFA_REQUIRED", True)

SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
# A verified address signs in to the account that has it, except accounts that hold a staff
# group or a school role (accounts.adapters): those connect Microsoft or Google themselves.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True


def social_providers(environ):
    """Microsoft 365 and Google Workspace sign-in, each on when its client id is configured."""
    providers = {}
    if environ.get("GOOGLE_CLIENT_ID"):
        providers["google"] = {
            "APPS": [
                {
                    "client_id": environ["GOOGLE_CLIENT_ID"],
                    "secret": environ.get("GOOGLE_CLIENT_SECRET", ""),
                }
            ],
            "SCOPE": ["profile", "email"],
        }
    if environ.get("MICROSOFT_CLIENT_ID"):
        providers["microsoft"] = {
            "APPS": [
                {
                    "client_id": environ["MICROSOFT_CLIENT_ID"],
                    "secret": environ.get("MICROSOFT_CLIENT_SECRET", ""),
                    "settings": {"tenant": environ.get("MICROSOFT_TENANT", "organizations")},
                }
            ],
            # No VERIFIED_EMAIL: an address counts as verified only when Microsoft vouches
            # for it (accounts.microsoft, the provider installed in its place).
        }
    return providers


SOCIALACCOUNT_PROVIDERS = social_providers(os.environ)
# Microsoft tenant ids (GUIDs) whose users' addresses the council trusts as verified: its own
# and its schools' tenants. Comma-separated.
MICROSOFT_TRUSTED_TENANTS = frozenset(
    t.strip().lower() for t in env("MICROSOFT_TRUSTED_TENANTS", "").split(",") if t.strip()
)

LANGUAGE_CODE = "en-gb"
# locale/en_GB puts allauth's Title Case English into sentence case ("Sign in", "Remember me").
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Invoice and credit-note PDFs: never under MEDIA_ROOT, which anyone may be served
# (core.private_storage).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
if PRIVATE_MEDIA_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT.")
PRIVATE_STORAGE = {"BACKEND": "core.private_storage.PrivateFileSystemStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Security headers (core.csp) -------------------------------------------------------
# Public pages: scripts, styles and fonts from this origin only. Inline style attributes are
# allowed (strand colours are set with `style="--strand: …"`); <style> elements are not.
CSP_MEDIA_ORIGINS = env_list("CSP_MEDIA_ORIGINS")  # object storage or CDN serving media
CSP_FRAME_ORIGINS = env_list(
    "CSP_FRAME_ORIGINS",
    "https://www.youtube-nocookie.com,https://www.youtube.com,https://player.vimeo.com",
)
# Paying online posts to us and is redirected to Stripe Checkout; form-action covers redirects.
CSP_FORM_ORIGINS = env_list("CSP_FORM_ORIGINS", "https://checkout.stripe.com")
CSP_REPORT_URI = env("CSP_REPORT_URI", "")
CSP_PUBLIC = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", *CSP_MEDIA_ORIGINS],
    "media-src": ["'self'", *CSP_MEDIA_ORIGINS],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'", *CSP_FRAME_ORIGINS],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'", *CSP_FORM_ORIGINS],
    "frame-ancestors": ["'none'"],
}
# The Wagtail admin: Wagtail's templates print inline <script> blocks (inline panels, date
# pickers, workflow dialogs) and inline styles, so the admin alone gets 'unsafe-inline'. It
# still gets no eval, no plugins, no foreign scripts, and may only be framed by itself (preview).
CSP_ADMIN = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *CSP_MEDIA_ORIGINS],
    "media-src": ["'self'", "blob:", *CSP_MEDIA_ORIGINS],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'", *CSP_FRAME_ORIGINS],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
# No page needs these browser features; an injected script cannot ask for them either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt into SAMEORIGIN themselves
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# --- end security headers ------------------------------------------------------------------

# Cache: Redis when configured, otherwise this process's memory.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cpd",
            # Fail fast when Redis is away: the cache is an optimisation, never a dependency.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The anonymous page cache (core.pagecache), in the cache above. Pages showing places left or
# dates (course, strand, home) are kept, here and downstream, for LIVE_SECONDS at most and
# forgotten at once when places, runs or sessions change; other pages for SECONDS here and
# BROWSER_SECONDS in a browser (which nobody can purge), and CDN_SECONDS at a CDN, which
# frontend_cache purges on publish. Signed-in pages are `private, no-cache`.
PAGE_CACHE = {
    "ENABLED": env_bool("PAGE_CACHE_ENABLED", True),
    "LIVE_PAGE_TYPES": ["courses.coursepage", "courses.strandpage", "home.homepage"],
    "LIVE_SECONDS": int(env("PAGE_CACHE_LIVE_SECONDS", "5")),
    "SECONDS": int(env("PAGE_CACHE_SECONDS", "300")),
    "BROWSER_SECONDS": int(env("PAGE_CACHE_BROWSER_SECONDS", "60")),
    "CDN_SECONDS": int(env("PAGE_CACHE_CDN_SECONDS", "600")),
}


def frontend_cache(environ):
    """wagtail.contrib.frontend_cache backends from the environment; none configured, none used.
    FRONTEND_CACHE_URL: an HTTP PURGE endpoint (Varnish, nginx, Fastly's API host...);
    CLOUDFLARE_API_TOKEN with CLOUDFLARE_ZONE_ID: Cloudflare's purge API. FRONTEND_CACHE_HOSTNAMES
    (comma-separated) limits a backend to those hosts when several sites share a deployment."""
    backends = {}
    hostnames = [h.strip() for h in environ.get("FRONTEND_CACHE_HOSTNAMES", "").split(",")]
    hostnames = [h for h in hostnames if h]
    if environ.get("FRONTEND_CACHE_URL"):
        backends["http"] = {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": environ["FRONTEND_CACHE_URL"],
        }
    if environ.get("CLOUDFLARE_API_TOKEN") or environ.get("CLOUDFLARE_ZONE_ID"):
        if not (environ.get("CLOUDFLARE_API_TOKEN") and environ.get("CLOUDFLARE_ZONE_ID")):
            raise ImproperlyConfigured(
                "Cloudflare purging needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ZONE_ID."
            )
        backends["cloudflare"] = {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "BEARER_TOKEN": environ["CLOUDFLARE_API_TOKEN"],
            "ZONEID": environ["CLOUDFLARE_ZONE_ID"],
        }
    if hostnames:
        for backend in backends.values():
            backend["HOSTNAMES"] = hostnames
    return backends or None


WAGTAILFRONTENDCACHE = frontend_cache(os.environ)

# Celery: a real broker when REDIS_URL is set; otherwise tasks run in-process, so
# `make run` needs no other service.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not bool(REDIS_URL or env("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A publish gives up quickly when Redis is away; the outbox keeps the task (core/outbox.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    # acks_late: a task whose worker died unacknowledged is delivered again after this.
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Scale-out (docs/deploy.md): with CELERY_ROUTE_BY_QUEUE, emails, PDFs and payments each go to
# their own queue, so each gets its own workers; everything else stays on the default queue
# ("celery"). Off by default, so one worker on the default queue runs everything.
CELERY_QUEUE_ROUTES = [
    ("billing.tasks.send_invoice", {"queue": "pdfs"}),  # renders the invoice PDF
    ("billing.tasks.send_credit_note", {"queue": "pdfs"}),
    ("*.tasks.send_*", {"queue": "emails"}),
    ("accounts.tasks.notify_*", {"queue": "emails"}),
    ("billing.tasks.*", {"queue": "payments"}),  # settlement, invoicing runs, Stripe events
]
CELERY_TASK_ROUTES = (CELERY_QUEUE_ROUTES,) if env_bool("CELERY_ROUTE_BY_QUEUE", False) else None
CELERY_BEAT_SCHEDULE = {
    # Tasks whose publish failed or never happened after their transaction committed.
    "relay-outbox": {"task": "config.tasks.relay_outbox", "schedule": 60.0},
    "publish-scheduled-pages": {"task": "home.tasks.publish_scheduled_pages", "schedule": 60.0},
    "expire-waiting-list-offers": {"task": "bookings.tasks.expire_offers", "schedule": 300.0},
    "expire-approval-requests": {"task": "bookings.tasks.expire_approvals", "schedule": 300.0},
    "reserved-places": {
        "task": "bookings.tasks.remind_and_release_reservations",
        "schedule": 900.0,
    },
    "joining-reminders": {"task": "bookings.tasks.send_reminders", "schedule": 3600.0},
    # 06:00 on the 1st: last month's statement invoices.
    "monthly-invoicing": {
        "task": "billing.tasks.run_monthly_invoicing",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    # Paid Checkout Sessions whose webhook was missed.
    "reconcile-stripe-checkouts": {"task": "billing.tasks.reconcile_checkouts", "schedule": 900.0},
    # 07:00 daily: chase unpaid invoices at the due date, +14 and +30 days (each once).
    "overdue-reminders": {
        "task": "billing.tasks.send_overdue_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    # 00:15 daily: prepaid credit left in lots whose use-by date has passed.
    "expire-credit": {
        "task": "billing.tasks.expire_credit",
        "schedule": crontab(minute=15, hour=0),
    },
    "evaluation-requests": {"task": "bookings.tasks.request_due_evaluations", "schedule": 900.0},
    "evaluation-reminders": {
        "task": "bookings.tasks.send_evaluation_reminders",
        "schedule": 3600.0,
    },
    "impact-follow-ups": {"task": "bookings.tasks.send_impact_follow_ups", "schedule": 3600.0},
    # 03:30 daily: access and dietary needs of courses that ended NEEDS_KEPT_DAYS ago.
    "clear-needs-after-courses": {
        "task": "bookings.tasks.clear_needs_after_courses",
        "schedule": crontab(minute=30, hour=3),
    },
    # 03:40 daily: finder searches that found nothing, after 13 months (courses.models).
    "forget-old-unmatched-searches": {
        "task": "courses.tasks.forget_old_unmatched_searches",
        "schedule": crontab(minute=40, hour=3),
    },
}
# Access and dietary needs (possibly health information) are kept this many days after a
# run's last session, for follow-up questions about the day, then cleared (SECURITY.md).
NEEDS_KEPT_DAYS = int(env("NEEDS_KEPT_DAYS", "7"))

# Email
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "CPD bookings <cpd@example.gov.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# A provider with delivery and bounce tracking (docs/deploy.md), through django-anymail:
# EMAIL_PROVIDER names it, its keys come from its own variables, and its tracking webhook is
# mounted (config.urls) only then, behind EMAIL_WEBHOOK_SECRET (basic auth; two while rotating).
# Unset, mail goes by EMAIL_BACKEND (SMTP in production) and nothing tracks it.
EMAIL_PROVIDERS = {
    "postmark": "anymail.backends.postmark.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "amazon_ses": "anymail.backends.amazon_ses.EmailBackend",
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
}
EMAIL_PROVIDER = (env("EMAIL_PROVIDER") or "").strip().lower()
if EMAIL_PROVIDER and EMAIL_PROVIDER not in EMAIL_PROVIDERS:
    raise ImproperlyConfigured(
        f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not one of {', '.join(EMAIL_PROVIDERS)}."
    )
if EMAIL_PROVIDER:
    EMAIL_BACKEND = EMAIL_PROVIDERS[EMAIL_PROVIDER]
ANYMAIL_SETTINGS = {
    "WEBHOOK_SECRET": env_list("EMAIL_WEBHOOK_SECRET"),  # "user:password", comma-separated
    "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN", ""),
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY", ""),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", ""),
    "MAILGUN_API_URL": env("MAILGUN_API_URL", "https://api.eu.mailgun.net/v3"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "AMAZON_SES_CLIENT_PARAMS": {"region_name": env("AWS_SES_REGION", "eu-west-2")},
    "SENDGRID_API_KEY": env("SENDGRID_API_KEY", ""),
}
# Only what is set: anymail treats an empty key as given, and refuses a webhook without one.
ANYMAIL = {key: value for key, value in ANYMAIL_SETTINGS.items() if value}

# Stripe (used by billing)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
# Offer a UK bank transfer (Stripe's customer balance) at Checkout; needs it enabled in Stripe.
STRIPE_BANK_TRANSFER_ENABLED = env_bool("STRIPE_BANK_TRANSFER_ENABLED", False)
# Replaces Stripe's network client: an HTTPClient, or a callable or dotted path giving one.
# Tests use it to serve recorded Stripe responses; leave unset in production.
STRIPE_HTTP_CLIENT = env("STRIPE_HTTP_CLIENT", "") or None

# Wagtail
WAGTAIL_SITE_NAME = "School Improvement CPD"
WAGTAILADMIN_BASE_URL = env("SITE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]  # never svg: it can carry script
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000  # a 10 MB file can still decompress to gigabytes
# SVG refused by name and content, and documents whose contents do not match their type.
WAGTAILIMAGES_IMAGE_FORM_BASE = "core.uploads.ImageForm"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "core.uploads.DocumentForm"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No staff email hashes sent to Gravatar; the admin shows its default avatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_I18N_ENABLED = False

# --- Observability (core.logging, core.metrics, core.sentry) -------------------------
# One JSON object per log line, each with the request id (X-Request-ID, accepted or made).
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))
# /metrics: Prometheus scrapers from these networks, or with this bearer token; others get 404.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = env("METRICS_TOKEN", "")
CELERY_METRICS_PORT = int(env("CELERY_METRICS_PORT", "0"))  # a worker's own /metrics; 0 = off
if env("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn/prefork processes share counters through files
    Path(env("PROMETHEUS_MULTIPROC_DIR")).mkdir(parents=True, exist_ok=True)
SENTRY_ENABLED = init_sentry(os.environ)  # on only with SENTRY_DSN
# --- end observability ---------------------------------------------------------------------

DEMO_DATA_ALLOWED = True
BOOKING_APPROVAL_HOURS = int(env("BOOKING_APPROVAL_HOURS", "72"))
# The finance stage of a two-stage approval holds the place afresh, for as long by default.
FINANCE_APPROVAL_HOURS = int(env("FINANCE_APPROVAL_HOURS", str(BOOKING_APPROVAL_HOURS)))
WAITING_LIST_OFFER_HOURS = int(env("WAITING_LIST_OFFER_HOURS", "48"))
# A CPD lead who reserved places is reminded this many days before the date to name people.
RESERVATION_REMINDER_DAYS = int(env("RESERVATION_REMINDER_DAYS", "7"))

# After the course: evaluation reminders (at most two, this many days apart) and the impact
# follow-up this many days after a course ends, not chased once the grace period is over.
EVALUATION_REMINDER_DAYS = int(env("EVALUATION_REMINDER_DAYS", "7"))
IMPACT_FOLLOW_UP_DAYS = int(env("IMPACT_FOLLOW_UP_DAYS", "42"))
IMPACT_FOLLOW_UP_GRACE_DAYS = int(env("IMPACT_FOLLOW_UP_GRACE_DAYS", "60"))
