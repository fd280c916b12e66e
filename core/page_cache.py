"""Public pages kept in the shared cache and served as they are, like the API's responses.

A public page (the project list, a project's or a community's page, a feed, a badge, a card, a
report) is the same for every visitor who sees it as an anonymous visitor would, in one language
at one address. `shared_page` keeps its body with the versions of what it shows
(core/cache_versions.py), read *before* the view reads the rows: an entry is served only while
those versions are still the current ones, and services change them after each commit that
changes what the page shows. So a page is never older than the last commit that changed it, and
nothing is stored that could drift from the rows. Versions and entry come back in one cache
round trip; a hit reads no row.

Who gets what:
- an anonymous visitor gets the shared page, `Cache-Control: public, max-age=…` with an ETag and
  a Last-Modified, so that a proxy or a CDN in front may serve repeats (`Vary: Accept-Language,
  Cookie`: one copy per language, none shared with a visitor who has a session);
- a signed-in member whose view of the page is the public one (the view's `personal` question
  says so) gets the same body with their own small parts swapped in: the site header's log-in
  state (their handle, "My pledges", the log-out form and its CSRF token), and the parts the view
  names (a community's "join" button). Marked `private, no-cache`;
- everyone else gets the view's own render, never stored, `private, no-cache`: the project's
  leads (their "Manage this project" links), the community's moderators, superusers, donors on
  that project (they see their own anonymous pledges and supporters-only updates), whoever has a
  message waiting (it shows once, on the next page), and any page that is not public (a draft's
  page is a 404 to the public render, so it is never stored). A lead is one person, a few
  people: their page costs one render (tens of milliseconds with stored totals) and keeps the
  shared body free of anything that depends on who asks.

A stored body never holds a CSRF token (it would be someone else's): the shared pages post
nothing but the language switcher, which needs none (config/urls.py), and a render that
contains one, or sets a cookie, is served but not stored. Nor does it hold a CSP nonce: the
policy allows our own scripts and styles, no inline ones (config/settings.py).

Personal parts are marked in the page by `<!--personal:NAME-->…<!--/personal:NAME-->`: the public
render holds the anonymous visitor's version; a member's request replaces it with theirs.

Off unless settings.PAGE_CACHE (default: when the cache is shared, REDIS_URL): a cache local to
each process would keep each process's versions apart, and another process's commit would not
reach them.
"""

import hashlib
import re
import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.middleware.gzip import re_accepts_gzip
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string
from django.utils.translation import get_language

from core import cache_versions

# How long a proxy or a browser may keep a page without asking again. Our own cache is never
# stale; theirs may be, for that long.
PAGE_MAX_AGE = 30

FRAME = ":frame"
SITE_HEADER = "site-header"
SITE_HEADER_TEMPLATE = "includes/site_header.html"
# The two kinds of marked parts of a page: a visitor's own ("personal"), and what changes often
# ("live", see LiveParts).
PERSONAL = "personal"
LIVE = "live"
MARKED = {
    kind: re.compile(rf"<!--{kind}:(?P<name>[a-z-]+)-->.*?<!--/{kind}:(?P=name)-->", re.DOTALL)
    for kind in (PERSONAL, LIVE)
}

# What a stored response keeps besides its body.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified")
VARY = ("Accept-Language", "Cookie")
# What GZipMiddleware would compress (it leaves shorter bodies as they are), kept compressed too.
COMPRESSED_FROM_BYTES = 200
COMPRESSED_TYPES = ("text/", "application/atom+xml", "image/svg+xml", "application/json")


def _marked(kind, name, html):
    """`html` marked as the part `name` of a page, as the templates mark it."""
    return f"<!--{kind}:{name}-->{html}<!--/{kind}:{name}-->"


def _with_parts(content, kind, parts):
    """The page's body (bytes) with each part of that kind replaced by `parts[name]`, still marked."""
    html = MARKED[kind].sub(lambda match: _marked(kind, match["name"], parts[match["name"]]), content.decode())
    return html.encode()


class LiveParts:
    """The parts of a page that change far more often than the rest (a project's progress), and
    how to render them alone.

    The page marks them `<!--live:NAME-->…<!--/live:NAME-->`. Besides the whole page, the cache
    keeps its frame (the same body) under `frame_versions`, the versions of everything but those
    parts; when only the page's own versions changed (a pledge), a miss renders just the parts,
    `render(request, *args, **kwargs)` → {name: HTML} (None: render the whole page), as an
    anonymous visitor, and sets them in the frame.
    """

    def __init__(self, *, frame_versions, render):
        self.frame_versions = frame_versions
        self.render = render


def shared_page(*, versions, personal=None, live=None, max_age=PAGE_MAX_AGE):
    """The view's public response from the shared cache, while the versions of what it shows hold.

    `versions(request, *args, **kwargs)`: the version keys of what the page shows (every writer
    that changes it changes one of them after its commit). `personal(request, *args, **kwargs)`,
    asked for signed-in members only: None when this member must get the view's own render
    (they see more than the public, or other links), else the HTML of the page's personal parts
    other than the site header, by name ({} when there are none); without it, the page shows a
    member nothing of their own but the header. `live`: a LiveParts, for a page with parts that
    change often. `max_age`: for proxies and browsers, unless the view sets its own Cache-Control.
    """

    def decorator(view):
        @wraps(view)
        def shared_view(request, *args, **kwargs):
            if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if _has_messages(request):
                return _own(view(request, *args, **kwargs))
            parts = {}
            if request.user.is_authenticated:
                parts = personal(request, *args, **kwargs) if personal else {}
                if parts is None:
                    return _own(view(request, *args, **kwargs))
            try:
                entry = _entry(request, versions(request, *args, **kwargs), view, args, kwargs, live)
            except (Http404, PermissionDenied):
                if not request.user.is_authenticated:
                    raise
                entry = None
            if isinstance(entry, HttpResponseBase) and not request.user.is_authenticated:
                # Not a public 200 (a redirect, a page with a token): the visitor's own answer.
                return entry
            if entry is None or isinstance(entry, HttpResponseBase):
                # A member may see what the public does not (their draft), in their own render.
                return _own(view(request, *args, **kwargs))
            return _serve(request, entry, parts, max_age)

        return shared_view

    return decorator


def _has_messages(request):
    # Counting the waiting messages reads them without marking them shown.
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _own(response):
    """A render for this visitor only."""
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, VARY)
    return response


def _key(request):
    query = urlencode([(name, value) for name, values in sorted(request.GET.lists()) for value in values])
    raw = "|".join([request.scheme, request.get_host(), request.path, query, get_language() or ""])
    return "tiwizi:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _entry(request, version_keys, view, args, kwargs, live):
    """The stored entry for the current versions, rendered and stored when missing; or the
    public render's response when it is not one to keep."""
    key = _key(request)
    found = cache.get_many([*version_keys, key])
    tokens = [found.get(version_key) for version_key in version_keys]
    entry = found.get(key)
    if entry is not None and None not in tokens and entry["versions"] == tokens:
        return entry
    if None in tokens:
        tokens = cache_versions.current(version_keys)
    # The versions were read before the rows: if a commit changes them meanwhile, this entry
    # carries the old ones and is never served.
    frame_tokens = None
    if live is not None:
        frame_keys = live.frame_versions(request, *args, **kwargs)
        found = cache.get_many([*frame_keys, key + FRAME])
        frame_tokens = [found.get(frame_key) for frame_key in frame_keys]
        frame = found.get(key + FRAME)
        if None in frame_tokens:
            frame_tokens = cache_versions.current(frame_keys)
        elif frame is not None and frame["versions"] == frame_tokens:
            parts = _as_anonymous(request, live.render, args, kwargs)
            if parts is not None:
                return _store(key, tokens, _with_parts(frame["content"], LIVE, parts), frame["headers"])
    response = _as_anonymous(request, view, args, kwargs)
    # A streamed body is not read here: closing the response would signal the request's end.
    if response.status_code != 200 or response.cookies or response.streaming:
        return response
    content = response.content
    if b"csrfmiddlewaretoken" in content:
        # Someone else's token must never be served: such a page is rendered for each visitor.
        return _own(response)
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    if frame_tokens is not None:
        frame_headers = {name: value for name, value in headers.items() if name not in ("ETag", "Last-Modified")}
        cache.set(
            key + FRAME,
            {"versions": frame_tokens, "content": content, "headers": frame_headers},
            timeout=settings.PAGE_CACHE_SECONDS,
        )
    return _store(key, tokens, content, headers)


def _store(key, tokens, content, headers):
    headers = dict(headers)
    headers.setdefault("ETag", f'"{hashlib.sha256(content).hexdigest()[:32]}"')
    headers.setdefault("Last-Modified", http_date(time.time()))
    content_type = headers.get("Content-Type", "")
    is_html = content_type.startswith("text/html")
    entry = {
        "versions": tokens,
        "content": content,
        "gzipped": _gzipped(content, content_type),
        "headers": headers,
        "parts": sorted({match["name"] for match in MARKED[PERSONAL].finditer(content.decode())}) if is_html else [],
    }
    cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
    return entry


def _gzipped(content, content_type):
    """The body compressed once, for every visitor who accepts gzip: GZipMiddleware would compress
    it again for each (0.3 ms for a project page here, a third of a bare view's whole time). No
    length padding against BREACH: a shared page holds no secret (no token, nobody's data)."""
    if len(content) < COMPRESSED_FROM_BYTES or not content_type.startswith(COMPRESSED_TYPES):
        return None
    compressed = compress_string(content)
    return compressed if len(compressed) < len(content) else None


def _as_anonymous(request, view, args, kwargs):
    """What the view (or a live part's render) returns for an anonymous visitor: what a member
    whose view is the public one gets too, with their parts swapped in."""
    user = request.user
    request.user = AnonymousUser()
    try:
        result = view(request, *args, **kwargs)
        if hasattr(result, "render") and not result.is_rendered:
            result.render()  # a TemplateResponse renders late: while the visitor is anonymous
        return result
    finally:
        request.user = user


def _serve(request, entry, parts, max_age):
    headers = entry["headers"]
    if request.user.is_authenticated and entry["parts"]:
        shown = {SITE_HEADER: render_to_string(SITE_HEADER_TEMPLATE, request=request), **parts}
        response = HttpResponse(_with_parts(entry["content"], PERSONAL, shown), content_type=headers["Content-Type"])
        return _own(response)
    gzipped = entry.get("gzipped")  # entries stored before it was kept have none
    if gzipped is not None and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        # As GZipMiddleware answers (which leaves an encoded response alone): a weak ETag, since
        # the bytes differ from the uncompressed body's.
        response = HttpResponse(gzipped, headers=headers)
        response["Content-Encoding"] = "gzip"
        response["ETag"] = "W/" + headers["ETag"] if headers["ETag"].startswith('"') else headers["ETag"]
    else:
        response = HttpResponse(entry["content"], headers=headers)
    if "Cache-Control" not in headers:
        patch_cache_control(response, public=True, max_age=max_age)
    vary = VARY + ("Accept-Encoding",) if gzipped is not None else VARY
    patch_vary_headers(response, vary)
    # The view answered If-None-Match itself (badge, card) before; a stored response does too.
    return get_conditional_response(request, etag=response["ETag"], response=response)
