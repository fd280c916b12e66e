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
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings


def _redis_client(cache, raw_key):
    """A Redis client for the cache, made once per process: Django's backend builds a new one (and
    its table of ~200 reply parsers) on every call, a good part of a cached request's time."""
    backend = cache._cache
    client = getattr(backend, "tiwizi_client", None)
    if client is None:
        client = backend.tiwizi_client = backend.get_client(raw_key, write=True)
    return client


def count_request(key, window_seconds, read_keys=()):
    """Add one to the window's counter and return it (the counter expires with its window), with
    the cache's values for `read_keys` ({key: value}, missing keys left out) read in the same
    round trip."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # INCR, EXPIRE and MGET in one round trip (Django's incr() checks the key exists first).
        raw_key = cache.make_and_validate_key(key)
        raw_reads = {cache.make_and_validate_key(read_key): read_key for read_key in read_keys}
        pipeline = _redis_client(cache, raw_key).pipeline(transaction=False)
        pipeline.incr(raw_key)
        pipeline.expire(raw_key, window_seconds + 1)
        if raw_reads:
            pipeline.mget(list(raw_reads))
        results = pipeline.execute()
        values = results[2] if raw_reads else []
        loads = cache._cache._serializer.loads
        found = {
            raw_reads[raw]: loads(value) for raw, value in zip(raw_reads, values, strict=True) if value is not None
        }
        return results[0], found
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    return count, cache.get_many(list(read_keys)) if read_keys else {}


def read_with_deferred_throttle(request, keys):
    """The cache's values for `keys`; if the request's throttle was deferred to this moment
    (AnonymousThrottle on a cached endpoint), it is counted in the same round trip, and a
    request over its rate is refused here."""
    throttle = getattr(request, "deferred_throttle", None)
    if throttle is None:
        return caches["default"].get_many(list(keys)) if keys else {}
    request.deferred_throttle = None
    count, found = count_request(throttle.window_key, throttle.duration, keys)
    if count > throttle.num_requests:
        raise exceptions.Throttled(wait=throttle.wait())
    return found


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
        self.window_key = f"{key}:{window}"
        if getattr(view, "action", None) in getattr(view, "cached_actions", ()):
            # Counted with the response cache's lookup, in one round trip (read_with_deferred_throttle).
            request.deferred_throttle = self
            return True
        return count_request(self.window_key, self.duration)[0] <= self.num_requests

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
