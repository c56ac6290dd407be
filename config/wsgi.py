import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_application = get_wsgi_application()

from core.static import StaticFirst  # noqa: E402  (reads settings: after Django is set up)

# Static files are answered before Django's middleware (core/static.py).
application = StaticFirst(django_application)
