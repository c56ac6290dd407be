from core.logging import logging_config

from .base import *  # noqa: F403
from .base import env, env_bool

# On unless DEBUG says otherwise; `make run` turns it off (DEBUG=0) so a missing page shows the
# site's own 404, and its errors the 500 page with the traceback in the terminal.
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]
INTERNAL_IPS = ["127.0.0.1"]
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic needed
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = True  # uploads from Django itself, DEBUG or not (config/urls.py)
# Demo admins can reach the admin without an authenticator app; production insists.
ADMIN_MFA_REQUIRED = env_bool("ADMIN_MFA_REQUIRED", False)
# Readable log lines for `make run`; production and containers log JSON.
# A new dict, not base's changed in place: other settings modules share base's.
LOGGING = logging_config(env("LOG_FORMAT", "text"), env("LOG_LEVEL", "INFO"))
