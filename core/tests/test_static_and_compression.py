"""Compression and static files: pages, JSON, SVG and feeds gzip-compressed when the client takes
it; static files under hashed names with a year's caching; a favicon; a project page that
weighs at most 15 KB compressed with its stylesheet."""

import gzip
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PAGE_WEIGHT_MAX = 15 * 1024


@pytest.fixture
def project():
    project = ProjectFactory(status=Project.Status.OPEN, story="Une classe pour les petits du village. " * 40)
    fund = NeedFactory(project=project, cash=True)
    blankets = NeedFactory(project=project)
    for number in range(100):  # a full supporters list (the page shows the latest 100)
        PledgeFactory(
            need=fund if number % 2 else blankets,
            quantity=Decimal("50") if number % 2 else Decimal("2"),
            channel=Pledge.Channel.MOBILE_MONEY if number % 2 else Pledge.Channel.DROP_OFF,
            message="Bon courage à toute l'équipe !" if number % 5 == 0 else "",
        )
    return project


def urls(project):
    base = project.get_absolute_url()
    return [base, "/", f"/api/v1/projects/{project.slug}/", f"{base}badge.svg", f"{base}feed.atom"]


def test_responses_are_compressed_when_the_client_accepts_it(client, project):
    for url in urls(project):
        plain = client.get(url)
        compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

        assert plain.status_code == compressed.status_code == 200, url
        assert "Content-Encoding" not in plain, url
        assert compressed["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in compressed["Vary"], url
        unpacked = gzip.decompress(compressed.content)
        if url.endswith(".atom"):
            # A feed dates itself to the second it was made: the rest is the same.
            unpacked, plain_content = (
                re.sub(rb"<updated>[^<]*</updated>", b"", body) for body in (unpacked, plain.content)
            )
        else:
            # A CSRF token is masked anew in every response (the BREACH mitigation).
            unpacked, plain_content = (
                re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body) for body in (unpacked, plain.content)
            )
        assert unpacked == plain_content, url
        assert len(compressed.content) < len(plain.content), url


def test_the_project_page_weighs_at_most_15_kb_compressed_with_its_stylesheet(client, project):
    page = client.get(project.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    with open(finders.find("css/tiwizi.css"), "rb") as stylesheet:
        stylesheet_compressed = gzip.compress(stylesheet.read(), compresslevel=9)

    assert len(page.content) + len(stylesheet_compressed) <= PAGE_WEIGHT_MAX


def test_static_files_get_hashed_names_and_a_year_of_caching(tmp_path, client):
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    ):
        call_command("collectstatic", "--no-input", verbosity=0)
        hashed = sorted(path.name for path in (tmp_path / "css").glob("tiwizi.*.css"))
        assert hashed, "collectstatic wrote no hashed stylesheet"
        assert (tmp_path / "staticfiles.json").exists()
        assert (tmp_path / "css" / f"{hashed[0]}.gz").exists()  # compressed ahead of time

        from django.http import HttpResponseNotFound
        from django.test import RequestFactory
        from whitenoise.middleware import WhiteNoiseMiddleware

        middleware = WhiteNoiseMiddleware(lambda request: HttpResponseNotFound())
        served = middleware(RequestFactory().get(f"/static/css/{hashed[0]}", HTTP_ACCEPT_ENCODING="gzip"))

    assert served.status_code == 200
    assert served["Cache-Control"] == "max-age=315360000, public, immutable"
    assert served["Content-Encoding"] == "gzip"


def test_the_favicon_is_there(client):
    answer = client.get("/favicon.ico")

    assert answer.status_code == 301
    assert answer["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")
    assert b'rel="icon"' in client.get("/").content
