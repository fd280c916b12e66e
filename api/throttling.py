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
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from core.rates import client_address, count_request


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
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class MemberThrottle(_FixedWindowThrottle):
    scope = "member"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None  # AnonymousThrottle's business
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PledgeThrottle(MemberThrottle):
    """Creating pledges: a few dozen an hour is generous for a person, and stops a runaway bot."""

    scope = "pledge"
