"""Each member's language: the one they signed up in, changed with the language switcher or on
their account page. It decides their pages when signed in (MemberLanguageMiddleware), every
email they get (`in_language_of`), and the API's messages when a request sends no
Accept-Language. An anonymous visitor gets Accept-Language, then the switcher's cookie (Django's
LocaleMiddleware). URLs are the same in every language: a shared link opens in the reader's.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def language_of(member):
    """The language to write to `member` in: theirs, else the site's."""
    language = getattr(member, "language", "") or ""
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(member):
    """Render an email (or anything addressed to one member) in their language."""
    with translation.override(language_of(member)):
        yield


def supported(language):
    """The site's language for `language` (a code from the switcher or a browser: "ar-MA" is
    "ar"), or None when the site does not speak it."""
    try:
        code = translation.get_supported_language_variant(language or "")
    except LookupError:
        return None
    return code if code in SUPPORTED else None


class MemberLanguageMiddleware:
    """After authentication: a signed-in member's pages are in their language. On the API, only
    when the request names no language (Accept-Language wins there: a client asks for one).
    Token-authenticated API requests are handled by api.authentication, which DRF runs later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        asked = request.path.startswith("/api/") and request.headers.get("Accept-Language")
        if user is not None and user.is_authenticated and user.language in SUPPORTED and not asked:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
