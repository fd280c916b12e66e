"""Request rates: anonymous clients by address, members by account, and pledges stricter still.

Counted in fixed windows (so many requests per minute or hour, from the window's start), with
one counter per client and window in the shared cache: one round trip per request, whatever the
rate. (DRF's own throttles keep the time of every request of the window in one cache value,
read and written whole on each request: fine at 60 a minute, heavy at thousands.)
Rates come from settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (environment variables
API_THROTTLE_*), read at each request so that tests and benchmarks may change them.
"""

from django.core.cache import caches
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from core import rates


def read_with_deferred_throttle(request, keys):
    """The cache's values for `keys`; if the request's throttle was deferred to this moment
    (AnonymousThrottle on a cached endpoint), it is counted in the same round trip, and a
    request over its rate is refused here."""
    throttle = getattr(request, "deferred_throttle", None)
    if throttle is None:
        return caches["default"].get_many(list(keys)) if keys else {}
    request.deferred_throttle = None
    count, found = rates.count_request(throttle.window_key, throttle.duration, keys)
    if count > throttle.num_requests:
        raise exceptions.Throttled(wait=throttle.wait())
    return found


class _FixedWindowThrottle(throttling.SimpleRateThrottle):
    """One counter per client and window, kept by core/rates.py: the same counter as a page's limit
    of the same scope (the pledge page counts against the API's "pledge" budget)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        # core/rates' reading ("10/10m" too), so that a page's hit() of the same rate and scope
        # finds the same window.
        if rate is None:
            return None, None
        parsed = rates.parse_rate(rate)
        return parsed.count, parsed.seconds

    def client_ident(self, request):
        """Who is counted, or None when this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.client_ident(request)
        if ident is None:
            return True
        window = rates.current_window(scope=self.scope, ident=ident, seconds=self.duration)
        self.wait_seconds = window.ends_in
        self.window_key = window.key
        if getattr(view, "action", None) in getattr(view, "cached_actions", ()):
            # Counted with the response cache's lookup, in one round trip (read_with_deferred_throttle).
            request.deferred_throttle = self
            return True
        return rates.count_request(self.window_key, self.duration)[0] <= self.num_requests

    def wait(self):
        return self.wait_seconds


class AnonymousThrottle(_FixedWindowThrottle):
    """By address, as our own proxies saw it (never a header the client writes: NUM_PROXIES)."""

    scope = "anonymous"

    def client_ident(self, request):
        if request.user.is_authenticated:
            return None  # MemberThrottle's business
        return rates.address_ident(request)


class MemberThrottle(_FixedWindowThrottle):
    scope = "member"

    def client_ident(self, request):
        if not request.user.is_authenticated:
            return None  # AnonymousThrottle's business
        return request.user.pk


class PledgeThrottle(MemberThrottle):
    """Creating pledges: a few dozen an hour is generous for a person, and stops a runaway bot.
    The pledge page (donations/views.py) counts against the same budget."""

    scope = "pledge"


class PageRateThrottle(_FixedWindowThrottle):
    """A page's limit, settings.RATE_LIMITS[scope], by address, whoever asks: the endpoint and its
    page (accounts/views.py, core.rates.limit_posts) count against one budget."""

    def get_rate(self):
        return rates.page_rate(self.scope)

    def client_ident(self, request):
        return rates.address_ident(request)


class PasswordResetThrottle(PageRateThrottle):
    """Requests for a password reset email (the emails each account gets are limited too, by
    accounts/recovery.py, without a word)."""

    scope = "password_reset"


class RecoveryThrottle(PageRateThrottle):
    """Tries of a recovery code (those per handle are limited by accounts/recovery.py)."""

    scope = "recovery"


class InvitationThrottle(_FixedWindowThrottle):
    """Co-lead invitations sent, per member: the team page (projects/views.py) counts against the
    same budget."""

    scope = "invitation"

    def get_rate(self):
        return rates.page_rate(self.scope)

    def client_ident(self, request):
        return request.user.pk if request.user.is_authenticated else None


class PasswordCheckThrottle(_FixedWindowThrottle):
    """Tries of a member's current password: limited like sign-ups, per member, as the pages that
    ask for it are (accounts/views.py)."""

    scope = "signup"

    def get_rate(self):
        return rates.page_rate(self.scope)

    def client_ident(self, request):
        return request.user.pk if request.user.is_authenticated else None
