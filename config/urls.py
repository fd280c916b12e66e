from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.urls import include, path, re_path

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


urlpatterns = [
    *(
        re_path(rf"^admin/(?P<app>{app})/(?P<model>{'|'.join(models)})/(?P<rest>.*)$", moved_admin_page)
        for app, models in MOVED_ADMIN_MODELS.items()
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("pages.urls")),
    path("", include("projects.urls")),
    path("", include("donations.urls")),
    path("", include("payments.urls")),
    path("", include("receipts.urls")),
    path("", include("publishing.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
