from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    cache.set("health-check", "ok", 10)
    if cache.get("health-check") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_broker():
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def health(request):
    """Liveness for load balancers and Docker: the database always, the cache and broker
    when they are real services."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["cache"] = _check_cache
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _check_broker
    results, healthy = {}, True
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means unhealthy; say which
            results[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": results},
        status=200 if healthy else 503,
    )


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
