from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.contrib.forms.views import SubmissionsListView

from core.exports import SafeSpreadsheetExportMixin


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    cache.set("health-check", "ok", 10)
    if cache.get("health-check") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_broker():
    # Celery's current app is the project's (config.celery, made when settings load), so
    # home need not import config.
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def live(request):
    """Liveness: this process answers requests. It checks nothing else, so an outage of the
    database or Redis never gets healthy pods restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """Readiness: the database is required; without it the pod takes no traffic (503). The
    cache and broker are reported, and only as "degraded": the cache fails soft and tasks
    wait in the outbox, so a Redis outage must not take every pod out of the load balancer."""
    checks, degraded = {"database": _check_database}, {}
    if settings.REDIS_URL:
        degraded["cache"] = _check_cache
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        degraded["broker"] = _check_broker
    results, status = {}, "ok"
    for name, check in [*checks.items(), *degraded.items()]:
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure counts; say which part and how
            results[name] = f"error: {exc.__class__.__name__}"
            if name in checks:
                status = "unhealthy"
            elif status == "ok":
                status = "degraded"
    return JsonResponse(
        {"status": status, "checks": results}, status=503 if status == "unhealthy" else 200
    )


class EnquirySubmissionsListView(SafeSpreadsheetExportMixin, SubmissionsListView):
    """A form's submissions in the admin, and their CSV/XLSX: what the public typed never runs
    as a formula (FormPage.get_submissions_list_view_class)."""


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /calendar/u/",
        "Disallow: /calendar/school/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
