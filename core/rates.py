"""Rates that a stranger controls, counted in fixed windows in the shared cache.

Every limit of the site goes through here: the API's throttles (api/throttling.py), log-in,
sign-up, pledges made on the pages, flags. A window is so many hits per second, minute, hour
or day from the window's start, with one counter per client and window: one round trip per
hit, whatever the rate.

The client's address is read from the connection, or from X-Forwarded-For only as far as the
proxies we run ourselves (settings.NUM_PROXIES): a header the client writes never resets a limit.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

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
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through all of them.
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


def _redis_client(cache, raw_key):
    """A Redis client for the cache, made once per process: Django's backend builds a new one (and
    its table of ~200 reply parsers) on every call, a good part of a cached request's time."""
    backend = cache._cache
    client = getattr(backend, "tiwizi_client", None)
    if client is None:
        client = backend.tiwizi_client = backend.get_client(raw_key, write=True)
    return client


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
    return Rate(int(count), int(digits or 1) * WINDOWS[unit])


def hit(*, scope, ident, rate):
    """Count one hit of `ident` (an address, a member's pk) in `scope` against `rate`.

    Returns None when the hit is within the rate, else the seconds left until the window ends
    (what a 429's Retry-After says). A rate of None means no limit.
    """
    if rate is None:
        return None
    parsed = parse_rate(rate)
    now = time.time()
    window = int(now // parsed.seconds)
    count, _found = count_request(f"rate:{scope}:{ident}:{window}", parsed.seconds)
    if count <= parsed.count:
        return None
    return max(1, int((window + 1) * parsed.seconds - now + 0.999))
