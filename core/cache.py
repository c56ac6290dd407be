"""Django's Redis cache, made to fail soft. Everything kept in this cache can be worked out
again (fragments, page copies, rate-limit counters, "run is full" flags), so with Redis
down a read is a miss and a write is dropped, and pages keep working, slower. Rate limits
fail open for the outage; the logs say so once a minute."""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = 0.0


def _warn(error):
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache unavailable, serving without it: %s", error)


def _soft(name, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except DOWN as error:
            _warn(error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    call.__name__ = name
    return call


def _default(key, default=None, *args, **kwargs):
    return default


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (cache unavailable)")


class _OneClientPerPool(RedisCacheClient):
    """Django makes a new redis.Redis for every cache call; with redis-py 8 that builds a
    dict of ~170 response callbacks each time, a sixth of a refused booking's CPU. A client
    is thread-safe and holds no connection of its own (the pool does), so keep one per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(index))
            self._clients[index] = client
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    get = _soft("get", _default)
    get_many = _soft("get_many", {})
    has_key = _soft("has_key", False)
    set = _soft("set", None)
    set_many = _soft("set_many", [])
    add = _soft("add", False)
    touch = _soft("touch", False)
    delete = _soft("delete", False)
    delete_many = _soft("delete_many", None)
    incr = _soft("incr", _missing_key)
    decr = _soft("decr", _missing_key)
    clear = _soft("clear", None)
