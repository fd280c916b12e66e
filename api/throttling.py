"""Request rates: anonymous clients by address, members by account, and pledges stricter still.

Counted in fixed windows (so many requests per minute or hour, from the window's start), with
one counter per client and window in the shared cache: one round trip per request, whatever the
rate. (DRF's own throttles keep the time of every request of the window in one cache value,
read and written whole on each request: fine at 60 a minute, heavy at thousands.)
Rates come from settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (environment variables
API_THROTTLE_*), read at each request so that tests and benchmarks may change them.
"""

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.settings import api_settings


def count_request(key, window_seconds):
    """Add one to the window's counter and return it; the counter expires with its window."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # INCR and EXPIRE in one round trip (Django's incr() checks the key exists first).
        raw_key = cache.make_and_validate_key(key)
        pipeline = cache._cache.get_client(raw_key, write=True).pipeline(transaction=False)
        pipeline.incr(raw_key)
        pipeline.expire(raw_key, window_seconds + 1)
        return pipeline.execute()[0]
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, timeout=window_seconds + 1)
        return 1


class _FixedWindowThrottle(throttling.SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = self.duration - (now - window * self.duration)
        return count_request(f"{key}:{window}", self.duration) <= self.num_requests

    def wait(self):
        return self.wait_seconds


class AnonymousThrottle(_FixedWindowThrottle):
    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None  # MemberThrottle's business
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class MemberThrottle(_FixedWindowThrottle):
    scope = "member"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None  # AnonymousThrottle's business
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PledgeThrottle(MemberThrottle):
    """Creating pledges: a few dozen an hour is generous for a person, and stops a runaway bot."""

    scope = "pledge"
