"""Rates that a stranger controls, counted in fixed windows in the shared cache.

Every limit of the site goes through here: the API's throttles (api/throttling.py), sign-up,
pledges made on the pages, flags (log-in is django-axes', which reads the client's address from
here too). A window is so many hits per second, minute, hour or day from the window's start,
with one counter per client and window: one round trip per hit, whatever the rate. Two limits
with the same scope, the same client and the same period share one counter: that is how the
pledge page and the API's pledge throttle count against one budget.

The client's address is read from the connection, or from X-Forwarded-For only as far as the
proxies we run ourselves (settings.NUM_PROXIES): a header the client writes never resets a limit.
"""

import functools
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

WINDOWS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request):
    """The address of the client, as our own proxies saw it.

    With NUM_PROXIES = 0 (nothing in front of the app) it is REMOTE_ADDR, and X-Forwarded-For is
    ignored. With N proxies in front, each appends the address it received from, so the client's
    is the N-th from the right: anything further left was written by the client.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    # Fewer hops than proxies: the request skipped the outer ones. The right-most entry is still
    # what our nearest proxy saw; anything left of it may be the client's own writing.
    address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        # Not an address (a proxy that writes "unknown", or a port): the connection's, so that
        # no text of the client's becomes a counter of its own.
        return remote


def address_ident(request):
    """The client's address as a limit counts it: an IPv4 address whole, an IPv6 one by its /64,
    the block one subscriber is given (they choose any of its 2^64 addresses at will)."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


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


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(rate):
    """ "5/minute", "30/hour", "10/10m" -> Rate(5, 60), Rate(30, 3600), Rate(10, 600)."""
    count, _slash, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period[len(digits) :][:1]
    try:
        return Rate(int(count), int(digits or 1) * WINDOWS[unit])
    except (KeyError, ValueError):
        raise ImproperlyConfigured(f"A rate is 'count/period', e.g. '5/minute' or '10/10m', not {rate!r}.") from None


@dataclass(frozen=True)
class Window:
    """The window a hit falls in: its counter's cache key, its length, and the whole seconds until
    it ends (at least 1: what a 429's Retry-After says)."""

    key: str
    seconds: int
    ends_in: int


def current_window(*, scope, ident, seconds):
    """The window of `seconds` that holds this moment, for `ident` in `scope`. The period is part of
    the key, so that a limit changed from 5 an hour to 5 a minute never reads the old counter."""
    now = time.time()
    index = int(now // seconds)
    ends_in = max(1, math.ceil((index + 1) * seconds - now))
    return Window(key=f"rate:{scope}:{seconds}:{ident}:{index}", seconds=seconds, ends_in=ends_in)


def hit(*, scope, ident, rate):
    """Count one hit of `ident` (an address, a member's pk) in `scope` against `rate`.

    Returns None when the hit is within the rate, else the seconds left until the window ends
    (what a 429's Retry-After says). A rate of None means no limit.
    """
    if rate is None:
        return None
    parsed = parse_rate(rate)
    window = current_window(scope=scope, ident=ident, seconds=parsed.seconds)
    count, _found = count_request(window.key, window.seconds)
    if count <= parsed.count:
        return None
    return window.ends_in


def too_many_requests(request, retry_after, message=None):
    """The 429 page in the visitor's language: what happened and when to try again, with a
    Retry-After header. `message` replaces the general sentence (e.g. the log-in's)."""
    context = {"retry_after": retry_after, "retry_minutes": max(1, math.ceil(retry_after / 60)), "message": message}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def page_rate(scope):
    """A page's limit, settings.RATE_LIMITS[scope] (read at each request: tests change it)."""
    return settings.RATE_LIMITS.get(scope)


def api_rate(scope):
    """The API throttle's rate for `scope`, for a page that shares the API's budget (pledges)."""
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(scope)


IDENTS = {
    "address": address_ident,
    "member": lambda request: request.user.pk,
}


def limit_posts(scope, *, per, rate=page_rate):
    """A view decorator: each POST counts one hit of the client (per "address", or per "member":
    put it under login_required) in `scope`, against `rate(scope)`; past it the view is not run
    and a 429 page says when to try again. Reading the page (GET) is never counted."""
    ident_of = IDENTS[per]

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                retry_after = hit(scope=scope, ident=ident_of(request), rate=rate(scope))
                if retry_after is not None:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return limited

    return decorator
