from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
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
