"""Hidden content through the API: a project hidden by moderation, a draft cancelled before it
opened, an update, a pledge's message and a profile hidden. Gone for the public, from the
response cache too as soon as moderation says so; still there for whom it belongs to."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from api.tests.api_world import build_world
from core import cache_versions
from core.tests.hiding import REASON, hide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def token_client(member):
    client = APIClient()
    _token, raw = token_create(member=member, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def listed(client, url="/api/v1/projects/"):
    return {row["slug"] for row in client.get(url).json()["results"]}


def project_count(client, slug="twittoma"):
    rows = client.get("/api/v1/communities/").json()["results"]
    return next(row for row in rows if row["slug"] == slug)["project_count"]


def hidden_by_moderation(content, project, capture):
    """Hide the content as the moderation services do: the state, and the cached reads of the
    project marked stale once the transaction commits."""
    with capture(execute=True):
        hide(content)
        cache_versions.project_changed(project)


# A draft cancelled before it opened (finding of the trust and safety review) ---------------------


def test_a_draft_a_new_member_cancels_over_the_api_never_shows_publicly(client):
    world = build_world()
    newcomer = token_client(MemberFactory(handle="nouveau_venu"))
    proposal = {"community": "twittoma", "title": "Puits secret", "country": "MA", "category": "water"}
    created = newcomer.post("/api/v1/projects/", {**proposal, "currency": "MAD"}, format="json")
    assert created.status_code == 201
    slug = created.json()["slug"]
    moved = newcomer.post(
        f"/api/v1/projects/{slug}/transition/", {"to_status": "cancelled", "note": "Oups"}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "cancelled"

    for other in (APIClient(), world.client("other_donor"), world.client("other_lead")):
        assert slug not in listed(other, "/api/v1/projects/?status=cancelled")
        assert slug not in listed(other)
        assert other.get(f"/api/v1/projects/{slug}/").status_code == 404
    assert project_count(APIClient()) == 1  # Tighzit; the draft and the cancelled draft are not public
    for page in ("/?status=cancelled", "/c/twittoma/", "/"):
        assert "Puits secret" not in client.get(page).content.decode(), page
    assert client.get(f"/p/{slug}/").status_code == 404
    # Its lead still has it.
    assert newcomer.get(f"/api/v1/projects/{slug}/").status_code == 200
    assert slug in listed(newcomer, "/api/v1/projects/?status=cancelled")


# A hidden project --------------------------------------------------------------------------------


def test_a_hidden_project_leaves_the_cached_list_and_detail_at_once(settings, django_capture_on_commit_callbacks):
    settings.API_RESPONSE_CACHE = True
    world = build_world()
    public = APIClient()
    assert "tighzit" in listed(public)
    assert public.get("/api/v1/projects/tighzit/").status_code == 200
    assert public.get("/api/v1/projects/tighzit/updates/").status_code == 200

    hidden_by_moderation(world.project, world.project, django_capture_on_commit_callbacks)

    assert "tighzit" not in listed(public)
    for path in ("", "updates/", "milestones/", "expenses/", "supporters/"):
        assert public.get(f"/api/v1/projects/tighzit/{path}").status_code == 404, path
    assert public.get(f"/api/v1/needs/{world.cash_need.pk}/").status_code == 404
    assert world.cash_need.pk not in {row["id"] for row in public.get("/api/v1/needs/").json()["results"]}
    assert project_count(public) == 0
    assert "tighzit" not in {row["slug"] for row in public.get("/api/v1/members/lead_tighzit/").json()["projects_led"]}
    assert "tighzit" not in listed(world.client("other_donor"))


def test_what_the_leads_see_of_a_hidden_project_is_never_kept_for_the_public(settings):
    settings.API_RESPONSE_CACHE = True
    world = build_world()
    hide(world.project)

    lead = world.client("lead")
    assert lead.get("/api/v1/projects/tighzit/").status_code == 200
    assert lead.get("/api/v1/projects/tighzit/milestones/").status_code == 200
    assert "tighzit" in listed(lead)
    assert world.client("moderator").get("/api/v1/projects/tighzit/").status_code == 200

    public = APIClient()
    assert public.get("/api/v1/projects/tighzit/").status_code == 404
    assert public.get("/api/v1/projects/tighzit/milestones/").status_code == 404
    assert "tighzit" not in listed(public)


# A hidden update -----------------------------------------------------------------------------


def test_a_hidden_update_leaves_the_cached_updates_at_once(settings, django_capture_on_commit_callbacks):
    settings.API_RESPONSE_CACHE = True
    world = build_world()

    def titles(client):
        return [row["title"] for row in client.get("/api/v1/projects/tighzit/updates/").json()["results"]]

    assert "Les murs sont montés" in titles(APIClient())
    hidden_by_moderation(world.public_update, world.project, django_capture_on_commit_callbacks)

    assert "Les murs sont montés" not in titles(APIClient())
    assert "Les murs sont montés" not in titles(world.client("donor"))
    assert "Réservé aux soutiens" in titles(world.client("donor"))


# A hidden pledge message -----------------------------------------------------------------------


def test_a_hidden_message_is_its_donors_only_and_the_pledge_still_counts(settings):
    world = build_world()
    before = APIClient().get("/api/v1/projects/tighzit/").json()["progress"]
    hide(world.donor_pledge)

    supporters = APIClient().get("/api/v1/projects/tighzit/supporters/").json()["results"]
    row = next(row for row in supporters if row["id"] == world.donor_pledge.pk)
    assert row["message"] == ""
    assert row["quantity"] == "1000.00"
    assert APIClient().get("/api/v1/projects/tighzit/").json()["progress"] == before

    mine = world.client("donor").get(f"/api/v1/pledges/{world.donor_pledge.pk}/").json()
    assert (mine["message"], mine["message_hidden"], mine["message_hidden_reason"]) == ("Bon courage", True, REASON)
    listed_mine = world.client("donor").get("/api/v1/pledges/").json()["results"]
    assert next(row for row in listed_mine if row["id"] == world.donor_pledge.pk)["message_hidden"] is True
    for role in ("lead", "moderator"):
        seen = world.client(role).get(f"/api/v1/pledges/{world.donor_pledge.pk}/").json()
        assert (seen["message"], seen["message_hidden"], seen["message_hidden_reason"]) == ("", True, ""), role


# A hidden profile ------------------------------------------------------------------------------


def test_a_hidden_profile_is_a_404_except_to_its_member_and_their_pledges_show_as_anonymous():
    world = build_world()
    hide(world.members["other_donor"])

    assert APIClient().get("/api/v1/members/open_donor/").status_code == 404
    assert world.client("lead").get("/api/v1/members/open_donor/").status_code == 404
    assert world.client("other_donor").get("/api/v1/members/open_donor/").status_code == 200

    def shown(client):
        rows = client.get("/api/v1/projects/tighzit/supporters/").json()["results"]
        row = next(row for row in rows if row["id"] == world.other_pledge.pk)
        return row["donor"], row["anonymous"]

    assert shown(APIClient()) == (None, True)
    assert shown(world.client("donor")) == (None, True)
    assert shown(world.client("moderator")) == (None, True)
    assert shown(world.client("lead")) == ("open_donor", True)
    assert shown(world.client("other_donor")) == ("open_donor", True)
