"""A request holding a NUL character is a 400, never a 500 (core/nul_bytes.py): on pages (the
error page, in the request's language), in the API (its error shape) and in the admin (its list
filters and autocomplete), whichever part holds it: path, query string, form field or cookie.

PostgreSQL refuses a NUL in a query: each of these was a server error there before the
middleware (the admin's choice filters, its autocomplete, any page with a session cookie holding
one); run these tests on PostgreSQL."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from rest_framework.test import APIClient

from accounts.tests.factories import MemberFactory
from core.nul_bytes import RefuseNulCharactersMiddleware
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

NUL_IN = {"en": "NUL character", "fr": "caractère NUL"}


@pytest.fixture
def superuser():
    return MemberFactory(handle="operatrice", is_staff=True, is_superuser=True)


@pytest.fixture
def project():
    return ProjectFactory(slug="tighzit")


def assert_error_page(response, language="en"):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert NUL_IN[language] in page


def assert_api_error(response):
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert (set(error), error["code"]) == ({"code", "message", "fields"}, "bad_request")
    assert NUL_IN["fr"] in error["message"]


@pytest.mark.parametrize(
    "url",
    ["/r/%00/", "/r/a%00b/", "/p/%00/", "/c/%00/", "/u/%00/", "/?q=%00", "/?status=%00", "/?community=%00", "/?%00=1"],
)
def test_a_page_address_holding_a_nul_is_a_400_page_in_the_visitors_language(client, project, url):
    assert_error_page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    # The page speaks the visitor's language (its words come with the next catalogue update).
    assert_error_page(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"), language="fr")


def test_a_form_field_holding_a_nul_is_a_400_page_and_logs_nobody_in(client, password):
    member = MemberFactory(handle="twitto")
    response = client.post("/accounts/login/", {"username": "twitto\x00", "password": password})
    assert_error_page(response, language="fr")
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/login/", {"username": member.handle, "password": password}).status_code == 302


def test_a_session_cookie_holding_a_nul_is_a_400_not_a_lookup(client, project):
    # Quoted with an octal escape, as a browser or a script may send it: Django unquotes it.
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert_error_page(client.get(f"/p/{project.slug}/", HTTP_ACCEPT_LANGUAGE="en"))
    api_client = APIClient()
    api_client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert_api_error(api_client.get("/api/v1/me/"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/?status=%00",
        "/api/v1/projects/?q=%00",
        "/api/v1/projects/?search=%00",
        "/api/v1/projects/?community=%00",
        "/api/v1/needs/?project=%00",
        "/api/v1/needs/?status=%00",
        "/api/v1/pledges/?project=%00",
        "/api/v1/receptions/?pledge=%00",
        "/api/v1/projects/tighzit/pledges/?need=%00",
        "/api/v1/projects/%00/",
        "/api/v1/needs/%00/",
        "/api/v1/members/%00/",
        "/api/v1/communities/%00/",
        "/api/v1/receipts/verify/%00/",
        "/api/v1/no%00such/",
    ],
)
def test_an_api_address_holding_a_nul_is_a_400_in_the_apis_shape(project, url):
    client = APIClient()
    client.force_authenticate(user=project.created_by)
    assert_api_error(client.get(url))


def test_an_api_write_to_an_address_holding_a_nul_changes_nothing(project):
    client = APIClient()
    client.force_authenticate(user=project.created_by)
    response = client.post("/api/v1/projects/tighzit/transition/?x=%00", {"to_status": "closed"}, format="json")
    assert_api_error(response)
    project.refresh_from_db()
    assert project.status == Project.Status.OPEN


def _admin_filter_urls():
    """Every list filter of every admin page, given a NUL: as its own name and as `<name>__exact`,
    the parameter Django's field filters read."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [f"{base}?q=%00", f"{base}?o=%00", f"{base}?p=%00", f"{base}?_changelist_filters=%00"]
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, (list, tuple)):
                list_filter = list_filter[0]
            name = list_filter if isinstance(list_filter, str) else getattr(list_filter, "parameter_name", None)
            if name:
                urls += [f"{base}?{name}=%00", f"{base}?{name}__exact=%00"]
    return urls


def _admin_autocomplete_urls():
    urls = []
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            query = f"app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={field_name}"
            urls += [f"/admin/autocomplete/?term=%00&{query}", f"/admin/autocomplete/?term=a&{query}&page=%00"]
    return urls


def test_every_admin_list_filter_and_autocomplete_given_a_nul_is_a_400(client, superuser, project):
    client.force_login(superuser)
    urls = _admin_filter_urls() + _admin_autocomplete_urls()
    # Some filters of the pledges' and the projects' lists were 500s on PostgreSQL.
    assert "/admin/donations/pledge/?visibility=%00" in urls
    assert any(url.startswith("/admin/autocomplete/?term=%00&app_label=projects") for url in urls)
    answers = {url: client.get(url, HTTP_ACCEPT_LANGUAGE="en").status_code for url in urls}
    assert {url: code for url, code in answers.items() if code != 400} == {}
    # Without the NUL, the same pages answer.
    assert client.get("/admin/donations/pledge/?visibility__exact=anonymous").status_code == 200
    assert client.get("/admin/projects/project/?status__exact=open&q=tighzit").status_code == 200


def test_the_contents_of_uploaded_files_are_not_looked_at(rf):
    # A PDF or a photo is binary: NUL bytes in it are its business (core/uploads.py checks it).
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\x00\x00\x00\n%%EOF\n", content_type="application/pdf")
    request = rf.post("/p/tighzit/manage/expenses/", {"description": "Ciment", "scan": scan})
    middleware = RefuseNulCharactersMiddleware(lambda request: HttpResponse("through"))

    assert middleware(request).content == b"through"
    assert middleware.process_view(request, lambda request: None, (), {}) is None
    assert request.FILES["scan"].read().count(b"\x00") == 3
