"""Item 12: a Redis outage must not take the site out. Liveness is the process only;
readiness fails on the database alone and reports Redis as degraded."""

import json
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",  # as production configures it
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    caches._settings = None
    yield
    caches._settings = None


@pytest.fixture
def database_down():
    def refuse(self, *args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    with mock.patch.object(BaseDatabaseWrapper, "cursor", refuse):
        yield


def test_with_redis_down_liveness_and_readiness_both_answer_200(client, db, redis_down):
    live = client.get("/health/live/")
    ready = client.get("/health/ready/")
    assert live.status_code == 200, live.content
    assert ready.status_code == 200, ready.content
    body = json.loads(ready.content)
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error")


def test_with_the_database_down_readiness_answers_503_and_liveness_200(client, db, database_down):
    ready = client.get("/health/ready/")
    assert ready.status_code == 503
    assert json.loads(ready.content)["checks"]["database"].startswith("error: OperationalError")
    assert client.get("/health/").status_code == 503  # the older path is readiness too
    live = client.get("/health/live/")
    assert live.status_code == 200
    assert json.loads(live.content) == {"status": "ok"}
