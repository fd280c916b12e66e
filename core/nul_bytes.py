"""A request holding a NUL character (U+0000) is answered 400 before any view runs.

PostgreSQL refuses a NUL in a query ("text fields cannot contain NUL bytes"): a NUL in a URL, a
filter, a form field or a cookie reaching a lookup was a server error (a 500), in our views, in
django-filter's and in the admin's (its list filters, its autocomplete). No value we take holds
one, so refusing the whole request in one place is exact and covers views yet to be written.
What is checked: the path, the query string (decoded: `%00`), cookies (a session cookie holding
one reached the sessions table from every page), and the form bodies of views that are not
exempt from CSRF (urlencoded or multipart: field names and values, file names). The exempt ones
read their bodies themselves: the API with its parser (JSON, which refuses NUL too:
core/json_input.py), the Stripe webhook from the raw bytes it verifies. Uploaded files'
contents are binary and not looked at.

The answer is Django's 400 (handler400 in config/urls.py): the API's error shape under /api/v1/,
else the error page, in the request's language (this middleware runs after LocaleMiddleware,
and before AuthenticationMiddleware so that nothing looks the session up first).
"""

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


class NulCharacterRefused(BadRequest):
    """str() is the message for the member, in their language."""


def _holds_nul(values):
    return any(NUL in value for value in values)


def _form_values(request):
    if request.method != "POST":
        return []
    values = []
    for name, items in request.POST.lists():
        values.append(name)
        values.extend(items)
    for name, files in request.FILES.lists():
        values.append(name)
        values.extend(file.name or "" for file in files)
    return values


def _query_values(request):
    values = []
    for name, items in request.GET.lists():
        values.append(name)
        values.extend(items)
    return values


def _refused(part):
    messages = {
        "path": _("The address holds a NUL character, which no address of this site has."),
        "query": _("The address holds a NUL character, which no search or filter takes."),
        "cookie": _("A cookie holds a NUL character, which no cookie of this site has: delete this site's cookies."),
        "form": _("A form field holds a NUL character, which no field takes."),
    }
    return NulCharacterRefused(messages[part])


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or NUL in request.path_info:
            raise _refused("path")
        if _holds_nul(_query_values(request)):
            raise _refused("query")
        if _holds_nul([*request.COOKIES.keys(), *request.COOKIES.values()]):
            raise _refused("cookie")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A view exempt from CSRF reads its body itself: the Stripe webhook its raw bytes (which
        # parsing a form here would consume), the API through its own parser (JSON only). Any
        # other POST has its form parsed by CsrfViewMiddleware anyway.
        if getattr(view_func, "csrf_exempt", False):
            return None
        if _holds_nul(_form_values(request)):
            raise _refused("form")
        return None
