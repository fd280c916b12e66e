"""Joining a community, and proposing or editing a project: drafts led by their author, a cover
image checked, bad fields refused, and only leads edit."""

import io
import os
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import MemberFactory
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Membership, Project
from projects.tests.factories import CommunityFactory, ProjectFactory

LIST_URL = reverse("pages:home")
EMAIL_DOMAIN = b"private.example"  # every factory member's email ends with it


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def text(response):
    """The page's text with whitespace collapsed, for assertions on sentences."""
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_joining_a_community_makes_a_membership_once(client, login):
    community = CommunityFactory(slug="twittoma")
    member = MemberFactory()
    login(member)
    join_url = reverse("projects:community_join", kwargs={"slug": "twittoma"})

    assert client.get(join_url).status_code == 405
    response = client.post(join_url)
    client.post(join_url)

    assert response.url == community.get_absolute_url()
    assert Membership.objects.filter(community=community, member=member, role=Membership.Role.MEMBER).count() == 1
    assert "Join this community" not in text(client.get(community.get_absolute_url()))


@pytest.mark.django_db
def test_joining_needs_a_login(client):
    community = CommunityFactory(slug="twittoma")

    response = client.post(reverse("projects:community_join", kwargs={"slug": "twittoma"}))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=/c/twittoma/" in response.url
    assert not community.memberships.exists()


# --- Proposing and editing ----------------------------------------------------------------------------


def png_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 70, 31)).save(buffer, format="PNG")
    return buffer.getvalue()


def large_png_bytes():
    """A real PNG of more than 5 MB: random pixels do not compress."""
    side = 1450
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def proposal(community, **overrides):
    data = {
        "community": community.slug,
        "title": "Classe de Tighzit",
        "summary": "Une salle de classe préscolaire",
        "story": "Nous construisons **une classe**.",
        "village": "Tighzit",
        "region": "Al Haouz",
        "country": "ma",
        "category": "education",
        "currency": "MAD",
        "deadline": "2031-09-01",
        "hashtag": "#Tighzit",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_proposing_a_project_needs_a_login(client):
    response = client.get(reverse("projects:create"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_proposing_a_project_creates_a_draft_led_by_its_author(client, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    community = CommunityFactory()
    member = MemberFactory()
    login(member)
    data = proposal(community, cover_image=SimpleUploadedFile("cover.png", png_bytes(), content_type="image/png"))

    response = client.post(reverse("projects:create"), data)

    project = Project.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pages:dashboard", kwargs={"slug": project.slug})
    assert project.status == Project.Status.DRAFT
    assert list(project.leads.all()) == [member]
    assert project.country == "MA"
    assert project.hashtag == "Tighzit"
    assert project.deadline == date(2031, 9, 1)
    assert project.cover_image.name.startswith("covers/")
    assert (tmp_path / project.cover_image.name).exists()
    assert Membership.objects.filter(community=community, member=member).exists()


@pytest.mark.django_db
def test_proposal_form_preselects_the_community_from_the_link(client, login):
    CommunityFactory(slug="twittoma")
    login(MemberFactory())

    response = client.get(reverse("projects:create") + "?community=twittoma")

    assert '<option value="twittoma" selected>' in response.content.decode()


@pytest.mark.django_db
def test_cover_image_over_five_megabytes_is_refused_with_a_clear_error(client, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(MemberFactory())
    data = proposal(CommunityFactory())
    data["cover_image"] = SimpleUploadedFile("huge.png", large_png_bytes(), content_type="image/png")

    response = client.post(reverse("projects:create"), data)

    assert response.status_code == 200
    assert "at most 5 MB" in " ".join(response.context["form"].errors["cover_image"])
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("country", "Maroc"), ("country", "1A"), ("title", ""), ("category", "x")]
)
@pytest.mark.django_db
def test_proposal_with_a_bad_field_is_refused(client, login, field, value):
    login(MemberFactory())

    response = client.post(reverse("projects:create"), proposal(CommunityFactory(), **{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_a_lead_edits_the_project(client, login):
    project = ProjectFactory(title="Ancien titre", country="MA")
    login(project.created_by)
    data = proposal(project.community, title="Nouveau titre", country="tg")
    del data["community"]

    response = client.post(reverse("projects:edit", kwargs={"slug": project.slug}), data)

    project.refresh_from_db()
    assert response.url == project.get_absolute_url()
    assert project.title == "Nouveau titre"
    assert project.country == "TG"


@pytest.mark.django_db
def test_someone_else_cannot_edit_the_project(client, login):
    project = ProjectFactory(title="Ancien titre")
    login(MemberFactory())
    url = reverse("projects:edit", kwargs={"slug": project.slug})

    assert client.get(url).status_code == 403
    assert client.post(url, {**proposal(project.community), "title": "Piraté"}).status_code == 403
    project.refresh_from_db()
    assert project.title == "Ancien titre"


@pytest.mark.django_db
def test_someone_elses_draft_edit_page_is_404(client, login):
    draft = ProjectFactory(status=Project.Status.DRAFT)
    login(MemberFactory())

    assert client.get(reverse("projects:edit", kwargs={"slug": draft.slug})).status_code == 404


@pytest.mark.django_db
def test_changing_the_currency_after_a_pledge_is_a_form_error(client, login):
    project = ProjectFactory(currency="MAD")
    PledgeFactory(need=NeedFactory(project=project))
    login(project.created_by)
    data = proposal(project.community, currency="EUR")
    del data["community"]

    response = client.post(reverse("projects:edit", kwargs={"slug": project.slug}), data)

    assert response.status_code == 200
    assert response.context["form"].errors["currency"]
    project.refresh_from_db()
    assert project.currency == "MAD"
