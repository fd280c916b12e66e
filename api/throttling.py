"""Request rates: anonymous clients by address, members by account, and pledges stricter still.

Rates come from settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (environment variables
API_THROTTLE_*), read at each request so that tests and benchmarks may change them.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousThrottle(_LiveRates, throttling.AnonRateThrottle):
    scope = "anonymous"


class MemberThrottle(_LiveRates, throttling.UserRateThrottle):
    scope = "member"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None  # AnonymousThrottle's business
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PledgeThrottle(MemberThrottle):
    """Creating pledges: a few dozen an hour is generous for a person, and stops a runaway bot."""

    scope = "pledge"
