"""The local Redis of the tests that need a real one (CI starts it on 127.0.0.1:6379)."""

import os

import pytest
import redis


def redis_test_url():
    """A database of its own for each pytest-xdist worker (14, 13, …), so that one worker's
    clearing its cache never empties another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker.removeprefix("gw") or 0) if worker.startswith("gw") else 0
    return f"redis://127.0.0.1:6379/{14 - number % 14}"


def reachable_redis_url():
    """redis_test_url(), or the test is skipped when no Redis answers."""
    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI has one)")
    return url
