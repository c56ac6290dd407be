import json
from unittest import mock

import pytest
from django.core.cache import caches

from tests.factories import courses


def test_health_reports_the_database(client, db, settings):
    settings.REDIS_URL = ""  # as under `make run`: no cache service to check
    response = client.get("/health/")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_health_checks_a_working_redis_cache(client, db, settings):
    settings.REDIS_URL = "redis://configured"
    body = json.loads(client.get("/health/").content)
    assert body["checks"] == {"database": "ok", "cache": "ok"}


def test_health_reports_an_unreachable_redis_as_degraded_without_failing(client, db, settings):
    # Was: 503 when Redis is down, which took every pod out although the cache fails soft.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    caches._settings = None
    try:
        response = client.get("/health/")
    finally:
        caches._settings = None
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error")


def test_health_refuses_other_methods(client, db):
    assert client.post("/health/").status_code == 405


def test_robots_txt_points_at_the_sitemap_and_hides_private_areas(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_sitemap_lists_course_pages(client, db):
    course = courses.course()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert course.full_url.encode() in response.content


@pytest.mark.parametrize("url", ["/no-such-page/", "/programme/no-such-strand/"])
def test_unknown_pages_get_the_site_404(client, site, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Skip to main content" in response.content


def test_home_leads_with_the_five_strands_in_their_colours(client, demo):
    """Asks for the demo: its home page and its five strands are what is tested."""
    from courses.models import StrandPage

    html = client.get("/").content.decode()
    for strand in StrandPage.objects.all():
        assert strand.title in html
        assert f"--strand: {strand.hex_colour}" in html
    assert html.index("Five strands") < html.index("Starting soon")


def test_readiness_asks_the_projects_celery_broker(client, db, settings):
    # home.views reaches the broker through Celery's current app, which must be the project's
    # (config.celery): its failure here is the one reported.
    from config.celery import app

    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch.object(app, "connection_for_write", side_effect=OSError("no broker")):
        body = json.loads(client.get("/health/ready/").content)
    assert body == {"status": "degraded", "checks": {"database": "ok", "broker": "error: OSError"}}
