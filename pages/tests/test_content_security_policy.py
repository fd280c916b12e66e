"""Every response carries the Content-Security-Policy (django-csp, config/settings.py): images,
scripts and styles from our own origin only, no inline script anywhere, no plugins, no framing.
The API docs page alone allows data: images (Swagger UI's icons), and no inline script or style
either. Templates carry no inline script, style or event attribute that the policy would refuse.

The browser test (test_browser.py) proves that the pages work under it."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.updates import update_create

pytestmark = pytest.mark.django_db


def policy(response):
    """The header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_strict(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'", "https://checkout.stripe.com"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.fixture
def world():
    community = CommunityFactory(slug="twittoma")
    project = ProjectFactory(community=community, slug="tighzit", story="Une **classe**.")
    need = NeedFactory(project=project, cash=True, target_quantity=Decimal("5000"))
    donor = MemberFactory(handle="donatrice")
    pledge = PledgeFactory(need=need, donor=donor, channel=Pledge.Channel.CARD, quantity=Decimal("100"))
    update = update_create(project=project, actor=project.created_by, title="Les murs", body="Bientôt.", publish=True)
    return {"project": project, "need": need, "donor": donor, "pledge": pledge, "update": update}


ANONYMOUS_URLS = [
    "/",
    "/c/twittoma/",
    "/p/tighzit/",
    "/p/tighzit/expenses/",
    "/p/tighzit/feed.atom",
    "/c/twittoma/feed.atom",
    "/p/tighzit/badge.svg",
    "/p/tighzit/card.png",
    "/p/tighzit/report.pdf",
    "/@donatrice",
    "/accounts/login/",
    "/accounts/signup/",
    "/r/UNKNOWN-CODE/",
    "/p/no-such-project/",
    "/api/v1/projects/",
    "/api/v1/projects/tighzit/",
    "/api/v1/no-such-endpoint/",
    "/api/v1/schema/",
    "/admin/login/",
]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_every_public_response_has_the_strict_policy(client, world, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404)
    assert_strict(response)


def test_member_and_lead_pages_have_the_strict_policy(client, login, world, fake_stripe):
    project, need, pledge = world["project"], world["need"], world["pledge"]
    donor_pages = [
        reverse("pages:my_pledges"),
        reverse("donations:pledge", args=[project.slug, need.pk]),
        reverse("payments:card_pay", args=[pledge.pk]),
        reverse("receipts:tax_identity"),
        reverse("projects:create"),
        reverse("accounts:tokens"),
    ]
    client = login(world["donor"])
    for url in donor_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
    lead_pages = [
        reverse("pages:dashboard", args=[project.slug]),
        reverse("publishing:updates_manage", args=[project.slug]),
        reverse("publishing:milestones", args=[project.slug]),
        reverse("publishing:update", args=[project.slug, world["update"].pk]),
        reverse("donations:reception_add", args=[project.slug, pledge.pk]),
    ]
    client = login(project.created_by)
    for url in lead_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_a_post_that_redirects_and_an_api_write_have_the_strict_policy(client, login, world, fake_stripe):
    # The pay form answers with a redirect to Stripe Checkout: allowed by form-action.
    response = login(world["donor"]).post(reverse("payments:card_pay", args=[world["pledge"].pk]))
    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.test/")
    assert_strict(response)
    response = client.post("/api/v1/projects/", {}, content_type="application/json")
    assert_strict(response)


def test_the_admin_has_the_strict_policy(login, world):
    client = login(MemberFactory(handle="operatrice", is_staff=True, is_superuser=True))
    project = world["project"]
    for url in ("/admin/", "/admin/accounts/member/", f"/admin/projects/project/{project.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_the_api_docs_allow_data_images_but_no_inline_script_or_style(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    html = response.content.decode()
    # Swagger UI's start-up script is a file of ours, not an inline <script>.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
    # docs.css, or its hashed name once collectstatic has written the manifest.
    assert "<style" not in html and re.search(r"/static/api/docs(\.[0-9a-f]{12})?\.css", html)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()


def test_no_other_page_relaxes_the_policy(client, world):
    for url in ("/", "/p/tighzit/", "/api/v1/schema/"):
        header = client.get(url)["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header and "data:" not in header


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
# Emails are read in mail clients, which the site's policy does not govern: inline styles are how
# emails are styled.
EMAIL_TEMPLATES = "emails"
REFUSED = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def test_no_template_has_an_inline_script_style_or_event_attribute():
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            if EMAIL_TEMPLATES in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if REFUSED.search(line):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert found == []
