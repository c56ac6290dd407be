from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from core import metrics
from home import views as home_views

urlpatterns = [
    path("health/live/", home_views.live, name="health_live"),
    path("health/ready/", home_views.ready, name="health_ready"),
    path("health/", home_views.ready, name="health"),  # older monitors; the same as ready
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus; allowed IPs or a token
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, name="sitemap"),
    # The admin's sign-in is allauth's, so its rate limits and MFA apply to staff too.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("courses/", include("search.urls")),
    path("billing/", include("billing.urls")),
    path("", include("bookings.urls")),
]

if settings.EMAIL_PROVIDER:
    # The provider posts delivery events here, with EMAIL_WEBHOOK_SECRET as basic auth:
    # e.g. /email/events/postmark/tracking/ (docs/deploy.md).
    urlpatterns += [path("email/events/", include("core.mail_tracking"))]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # Development only (dev settings, `make run`): media from Django itself.
    from django.urls import re_path
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]
handler500 = "core.errors.server_error"
