"""Rendered public responses, kept in the shared cache and served as they are.

Reading a project list with its progress means summing pledges and receptions in SQL, which is
exact but costs tens of milliseconds at scale. The same request from anybody allowed to see the
same projects gets the same bytes until something changes, so the JSON is kept under a key made
of the versions of what it shows (projects/cache_versions.py), the language, the host and the
query. Services change those versions after each commit that changes progress or a project, so
an entry is never served once it is stale; nothing is stored that could drift from the rows.

Only successful JSON responses are kept; errors and other formats are computed every time.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from projects import cache_versions

CONTENT_TYPE = "application/json"


def _key(request, versions, scope):
    query = "&".join(f"{name}={value}" for name, values in sorted(request.GET.lists()) for value in values)
    raw = "|".join([*versions, scope, get_language() or "", request.get_host(), request.path, query])
    return "tiwizi:api:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_json(request, *, version_keys, scope, build):
    """The response `build()` would give, from the cache when it holds one for these versions.

    `scope` names the set of viewers who get the same response (e.g. "public"): anything that
    depends on who asks beyond that must not be in a cached response.
    """
    if not settings.API_RESPONSE_CACHE or request.accepted_renderer.format != "json":
        return build()
    # Versions first, rows after: see projects/cache_versions.py for why this order is safe.
    key = _key(request, cache_versions.current(version_keys), scope)
    body = cache.get(key)
    if body is None:
        response = build()
        if response.status_code != 200:
            return response
        body = JSONRenderer().render(response.data)
        cache.set(key, body, timeout=settings.API_RESPONSE_CACHE_SECONDS)
    return HttpResponse(body, content_type=CONTENT_TYPE)
