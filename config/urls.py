from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path

from accounts.views import language_switch
from api import errors as api_errors
from core.nul_bytes import NulCharacterRefused

# Admin pages follow their model's app: these models moved app when each domain got its own
# (payments, receipts, publishing). A moderator's bookmark of the old address lands on the page.
MOVED_ADMIN_MODELS = {
    "donations": {"cardpayment": "payments", "refundrequest": "payments", "stripeevent": "payments"}
    | {"issuer": "receipts", "receipt": "receipts"},
    "projects": {"expense": "publishing"},
}


def moved_admin_page(request, app, model, rest):
    target = f"/admin/{MOVED_ADMIN_MODELS[app][model]}/{model}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def bad_request(request, exception):
    """Every 400 Django answers itself, before a view could (a NUL character refused by
    core.nul_bytes, a form body it cannot read): the API's error shape under /api/v1/, else the page,
    in the request's language."""
    if request.path_info.startswith("/api/v1/"):
        return api_errors.bad_request(request, exception)
    message = str(exception) if isinstance(exception, NulCharacterRefused) else ""
    return render(request, "400.html", {"message": message}, status=400)


handler400 = bad_request


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon's static (hashed) address."""
    return HttpResponsePermanentRedirect(static_url("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    *(
        re_path(rf"^admin/(?P<app>{app})/(?P<model>{'|'.join(models)})/(?P<rest>.*)$", moved_admin_page)
        for app, models in MOVED_ADMIN_MODELS.items()
    ),
    path("admin/", admin.site.urls),
    # The language switcher posts without a CSRF token: it is in every page, and the shared
    # pages kept for every visitor (core/page_cache.py) must hold no visitor's token. What a
    # forged post could do is set the visitor's language cookie and send them to a page of this
    # site (set_language only redirects to our own host): no data, no account, nothing a second
    # click on the switcher does not undo. A signed-in member's choice is kept on their account
    # only for a post from this site's own pages (Origin, Sec-Fetch-Site: accounts/views.py).
    # Django's own URL name and address, as before.
    path("i18n/setlang/", language_switch, name="set_language"),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("pages.urls")),
    path("", include("projects.urls")),
    path("", include("donations.urls")),
    path("", include("payments.urls")),
    path("", include("receipts.urls")),
    path("", include("publishing.urls")),
    path("", include("moderation.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
