"""Public API responses on the demo data carry no email, no legal name, and never the handle of
an anonymous pledge's donor: a crawl of every public endpoint, as a visitor and as a member."""

import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Member
from donations.models import Pledge
from donations.services import reception_record
from receipts.models import DonorTaxIdentity, Receipt

pytestmark = pytest.mark.django_db

# Field names that would carry private data if a serializer ever grew them.
PRIVATE_FIELDS = {"email", "legal_name", "first_name", "last_name", "address", "password"}


def crawl(client):
    """Every public endpoint, every page, every project, need and member: {url: parsed JSON}."""
    seen = {}

    def get(url):
        if url in seen:
            return seen[url]
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, (url, response.status_code)
        seen[url] = response.json()
        return seen[url]

    def all_pages(url):
        rows = []
        while url:
            page = get(url)
            rows += page["results"]
            url = page["next"]
        return rows

    communities = all_pages("/api/v1/communities/?page_size=1")
    for community in communities:
        get(f"/api/v1/communities/{community['slug']}/")
    projects = all_pages("/api/v1/projects/?page_size=2")
    for project in projects:
        get(project["url"])
        all_pages(f"/api/v1/projects/{project['slug']}/supporters/?page_size=3")
    for need in all_pages("/api/v1/needs/?page_size=5"):
        get(f"/api/v1/needs/{need['id']}/")
    for member in Member.objects.all():
        get(f"/api/v1/members/{member.handle}/")
    for code in Receipt.objects.values_list("code", flat=True):
        get(f"/api/v1/receipts/verify/{code}/")
    get("/api/v1/schema/")
    return seen


def walk(value):
    """Every dict inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    # Donors' legal names, given for tax receipts: printed on their PDFs, nowhere public.
    identity = DonorTaxIdentity.objects.create(
        member=Member.objects.get(handle="donatrice"), legal_name="Fatima-Zahra Bennani", address="3 rue Oued Fès"
    )
    pledge = (
        Pledge.objects.filter(donor=identity.member, status=Pledge.Status.FULFILLED, need__project__status="open")
        .exclude(channel=Pledge.Channel.CARD)
        .first()
    )
    reception_record(pledge=pledge, actor=pledge.need.project.leads.first(), quantity="1")  # a new receipt
    assert Receipt.objects.filter(snapshot__icontains="Fatima-Zahra Bennani").exists()
    return identity


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_crawl_of_the_demo_finds_no_email_and_no_anonymous_donor(demo, role):
    client = APIClient()
    if role == "member":
        # A member who is neither donor of the anonymous pledges nor lead of their projects.
        client.force_login(Member.objects.get(handle="kossi_lome"))
    pages = crawl(client)
    assert len(pages) > 30

    emails = list(Member.objects.exclude(email=None).values_list("email", flat=True))
    assert emails
    legal_names = list(DonorTaxIdentity.objects.values_list("legal_name", flat=True))
    anonymous = {
        pledge.pk: pledge.donor.handle
        for pledge in Pledge.objects.filter(visibility=Pledge.Visibility.ANONYMOUS).select_related("donor")
    }
    assert anonymous
    supporters_rows = 0
    for url, body in pages.items():
        text = json.dumps(body, ensure_ascii=False)
        for email in emails:
            assert email not in text, (url, email)
        for legal_name in legal_names:
            assert legal_name not in text, (url, legal_name)
        assert demo.address not in text
        assert "@demo.tiwizi.invalid" not in text, url
        for obj in walk(body if url != "/api/v1/schema/" else {}):  # the schema describes /me/
            assert not PRIVATE_FIELDS & set(obj), (url, PRIVATE_FIELDS & set(obj))
            if "/supporters/" in url and "anonymous" in obj:
                supporters_rows += 1
                if obj["anonymous"]:
                    assert obj["donor"] is None, (url, obj)
                    assert anonymous[obj["id"]] not in json.dumps(obj), (url, obj)
        if url.startswith("/api/v1/receipts/verify/"):
            assert not {"donor", "handle"} & set(body), url
        if url.startswith("/api/v1/members/"):
            # A profile never lists an anonymous pledge, whoever's profile it is.
            assert not {row["id"] for row in body["public_pledges"]} & set(anonymous), url
    # The crawl did see the anonymous pledges (as rows without a donor).
    assert supporters_rows > len(anonymous)
