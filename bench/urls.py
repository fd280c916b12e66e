"""The site's URLs plus /bench/bare/, a Django view returning constant JSON: what a request costs
with nothing but Django's middleware, to compare the API with (bench/api.py). Bench only."""

from django.http import HttpResponse
from django.urls import include, path

BODY = b'{"status":"ok","count":20}'


def bare(request):
    return HttpResponse(BODY, content_type="application/json")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("config.urls")),
]
