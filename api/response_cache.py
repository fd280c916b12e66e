"""Rendered public responses, kept in the shared cache and served as they are.

Reading a project list with its progress means summing pledges and receptions in SQL, which is
exact but costs tens of milliseconds at scale. The same request from anybody allowed to see the
same projects gets the same bytes until something changes, so the JSON is kept, with the
versions of what it shows (projects/cache_versions.py) read *before* it was computed. It is
served only while those versions are still the current ones; services change them after each
commit that changes progress or a project, so a stale entry is never served, and nothing is
stored that could drift from the rows. Versions and entry come back in one cache round trip.

Only successful JSON responses are kept; errors and other formats are computed every time.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from api.throttling import read_with_deferred_throttle
from core import cache_versions

CONTENT_TYPE = "application/json"


def _key(request, scope):
    query = "&".join(f"{name}={value}" for name, values in sorted(request.GET.lists()) for value in values)
    raw = "|".join([scope, get_language() or "", request.get_host(), request.path, query])
    return "tiwizi:api:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_json(request, *, version_keys, scope, build, keep=None):
    """The response `build()` would give, from the cache when it holds one for the current versions.

    `scope` names the set of viewers who get the same response (e.g. "public"): anything that
    depends on who asks beyond that must not be in a cached response. None: not cached. `keep(data)`, when given,
    says whether a successful response may be kept for that whole scope.
    """
    if scope is None or not settings.API_RESPONSE_CACHE or request.accepted_renderer.format != "json":
        read_with_deferred_throttle(request, [])
        return build()
    key = _key(request, scope)
    found = read_with_deferred_throttle(request, [*version_keys, key])
    versions = [found.get(version_key) for version_key in version_keys]
    entry = found.get(key)
    if entry is not None and None not in versions and entry[0] == versions:
        return HttpResponse(entry[1], content_type=CONTENT_TYPE)
    if None in versions:
        versions = cache_versions.current(version_keys)
    # The versions were read before the rows: if a commit changes them meanwhile, this entry
    # carries the old ones and is never served.
    response = build()
    if response.status_code != 200 or (keep is not None and not keep(response.data)):
        return response
    body = JSONRenderer().render(response.data)
    cache.set(key, (versions, body), timeout=settings.API_RESPONSE_CACHE_SECONDS)
    return HttpResponse(body, content_type=CONTENT_TYPE)
