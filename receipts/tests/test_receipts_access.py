"""Who may have a receipt: its PDF for the donor, the project's leads and superusers only (404 to
anyone else, the community's moderators included), the donor's receipts under "my pledges", the legal identity
private to the donor, receipts on the leads' dashboard, and the demo's receipts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from receipts.models import Receipt
from receipts.tests.factories import IssuerFactory
from receipts.tests.test_receipts import cash_pledge, give_tax_identity, receive
from receipts.yearly import yearly_receipt_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def receipts_settings(settings, tmp_path, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages in English; receipts in their issuer's language
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tiwizi.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# Who may download ----------------------------------------------------------------------------


def test_only_the_donor_the_leads_and_superusers_can_download(client, login):
    pledge = cash_pledge(amount="100")
    receipt = receive(pledge, "100")
    url = reverse("receipts:download", args=[receipt.pk])
    project = pledge.need.project
    co_lead = MemberFactory()
    project.leads.add(co_lead)
    superuser = MemberFactory(is_staff=True, is_superuser=True)
    for member in (pledge.donor, project.created_by, co_lead, superuser):
        response = login(member).get(url)
        assert response.status_code == 200, member
        assert response["Content-Type"] == "application/pdf"
    # The receipt names the donor: not even the community's moderators download it (SPEC).
    moderator = make_moderator(project.community)
    other_moderator = make_moderator(CommunityFactory())
    other_lead = ProjectFactory(community=project.community).created_by
    for member in (MemberFactory(), moderator, other_moderator, other_lead):
        assert login(member).get(url).status_code == 404, member
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_donor_sees_their_receipts_under_my_pledges(login):
    pledge = cash_pledge(amount="100")
    receipt = receive(pledge, "100")
    page = login(pledge.donor).get(reverse("pages:my_pledges")).content.decode()
    assert reverse("receipts:download", args=[receipt.pk]) in page
    assert receipt.number in page
    assert reverse("receipts:tax_identity") in page


def test_the_tax_identity_is_private_to_the_donor(login):
    donor = MemberFactory()
    give_tax_identity(donor, name="Nadia Benali")
    pledge = cash_pledge(donor=donor, amount="100")
    receive(pledge, "100")
    lead = pledge.need.project.created_by
    for url in (
        reverse("pages:project", args=[pledge.need.project.slug]),
        reverse("pages:dashboard", args=[pledge.need.project.slug]),
        reverse("pages:profile", args=[donor.handle]),
    ):
        assert "Nadia Benali" not in login(lead).get(url).content.decode(), url
    assert "Nadia Benali" in login(donor).get(reverse("receipts:tax_identity")).content.decode()


# The demo and the dashboard ------------------------------------------------------------------


def test_the_demo_issues_receipts_and_tax_receipts_for_the_donor_who_asked():
    from demo.loader import load_demo

    load_demo(log=lambda line: None)
    received = Pledge.objects.filter(receptions__isnull=False).distinct()
    assert received.exists()
    assert set(Receipt.objects.valid().values_list("pledge_id", flat=True)) == set(
        received.values_list("pk", flat=True)
    )
    nadia = Receipt.objects.valid().filter(donor__handle="nadia_lyon")
    assert nadia.filter(issuer__number_prefix="TWZ").exists()
    assert all(receipt.is_tax_receipt == (receipt.issuer.number_prefix == "TWZ") for receipt in nadia)
    assert not Receipt.objects.filter(is_tax_receipt=True).exclude(donor__handle="nadia_lyon").exists()


def test_leads_find_each_pledges_receipt_on_their_dashboard(login):
    pledge = cash_pledge(amount="100")
    receipt = receive(pledge, "100")
    page = login(pledge.need.project.created_by).get(reverse("pages:dashboard", args=[pledge.need.project.slug]))
    assert reverse("receipts:download", args=[receipt.pk]) in page.content.decode()


def test_a_yearly_receipt_is_downloaded_by_its_donor_only(login):
    issuer = IssuerFactory()
    pledge = cash_pledge(issuer=issuer, amount="100")
    receive(pledge, "100")
    receipt, _ = yearly_receipt_issue(donor=pledge.donor, issuer=issuer, year=timezone.localdate().year)
    url = reverse("receipts:download", args=[receipt.pk])
    assert login(pledge.donor).get(url).status_code == 200
    assert login(make_moderator(issuer.community)).get(url).status_code == 404
    # A lead of one of the projects sees that gift's receipt, not the donor's whole year.
    assert login(pledge.need.project.created_by).get(url).status_code == 404
