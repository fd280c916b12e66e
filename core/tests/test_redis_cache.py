"""The Redis cache of production (core/redis_cache.py): Django's, with its client built once."""

import pytest
from django.core.cache import caches

from core.tests.redis_server import reachable_redis_url


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": reachable_redis_url()}}
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_every_call_uses_the_same_client_and_behaves_as_django_s(redis_cache):
    client = redis_cache._cache.get_client()

    redis_cache.set("tiwizi:test:a", {"pledged": "100.00"})
    redis_cache.set_many({"tiwizi:test:b": 2, "tiwizi:test:c": 3})

    assert redis_cache.get("tiwizi:test:a") == {"pledged": "100.00"}
    assert redis_cache.get_many(["tiwizi:test:b", "tiwizi:test:c", "tiwizi:test:missing"]) == {
        "tiwizi:test:b": 2,
        "tiwizi:test:c": 3,
    }
    assert redis_cache.incr("tiwizi:test:b") == 3
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client("tiwizi:test:a") is client
