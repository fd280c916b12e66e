"""The API's read-only view of what a project publishes: updates (published only, supporters-only
ones to those allowed), milestones and expenses; and what the shared response cache may keep."""

import pytest
from django.core.cache import cache

from api.tests.api_world import build_world
from publishing.models import Update
from publishing.updates import update_create, update_edit

pytestmark = pytest.mark.django_db

UPDATES = "/api/v1/projects/tighzit/updates/"


@pytest.fixture
def shared_cache(settings):
    settings.API_RESPONSE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def titles(client, url=UPDATES):
    response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return [row["title"] for row in response.json()["results"]]


def test_an_update_shows_its_text_rendered_its_author_and_its_page():
    world = build_world()
    row = world.client("anonymous").get(UPDATES).json()["results"][0]
    assert row["id"] == world.public_update.pk
    assert row["body"] == "Merci **à tous**."
    assert row["body_html"] == "<p>Merci <strong>à tous</strong>.</p>"
    assert (row["author"], row["audience"], row["photos"]) == ("lead_tighzit", "public", [])
    assert row["page_url"].endswith(f"/p/tighzit/updates/{world.public_update.pk}/")


def test_scripts_in_an_update_never_reach_the_api():
    world = build_world()
    update_create(
        project=world.project,
        actor=world.members["lead"],
        title="Piège",
        body="<script>alert(1)</script><a href='javascript:alert(2)' onclick='x()'>lien</a>",
        publish=True,
    )
    row = world.client("anonymous").get(UPDATES).json()["results"][0]
    assert "<script" not in row["body_html"] and "javascript:" not in row["body_html"]
    assert "onclick" not in row["body_html"]


def test_milestones_and_expenses_are_public_for_a_public_project():
    world = build_world()
    client = world.client("anonymous")
    milestones = client.get("/api/v1/projects/tighzit/milestones/").json()["results"]
    assert [(row["title"], row["status"], row["done_on"]) for row in milestones] == [
        ("Terrain obtenu", "planned", None)
    ]
    expenses = client.get("/api/v1/projects/tighzit/expenses/").json()["results"]
    assert [(row["description"], row["amount"], row["currency"], row["need"]["id"]) for row in expenses] == [
        ("Ciment", "1200.00", "MAD", world.cash_need.pk)
    ]


def test_supporters_only_updates_never_enter_the_shared_cache(shared_cache):
    world = build_world()
    # A supporter asks first: their response holds the supporters-only update and is not kept.
    assert titles(world.client("donor")) == ["Réservé aux soutiens", "Les murs sont montés"]
    assert titles(world.client("anonymous")) == ["Les murs sont montés"]
    assert titles(world.client("other_lead")) == ["Les murs sont montés"]
    # The public response is kept, and is never what a supporter gets.
    assert titles(world.client("donor")) == ["Réservé aux soutiens", "Les murs sont montés"]
    assert titles(world.client("moderator")) == ["Réservé aux soutiens", "Les murs sont montés"]


def test_the_cached_public_list_follows_publications_and_audience_changes(
    shared_cache, django_capture_on_commit_callbacks
):
    world = build_world()
    anonymous = world.client("anonymous")
    lead = world.members["lead"]
    assert titles(anonymous) == ["Les murs sont montés"]
    assert titles(anonymous) == ["Les murs sont montés"]  # from the cache
    # The versions change when the transaction commits (projects/cache_versions.py).
    with django_capture_on_commit_callbacks(execute=True):
        update_create(project=world.project, actor=lead, title="Toit posé", body="Enfin", publish=True)
    assert titles(anonymous) == ["Toit posé", "Les murs sont montés"]
    with django_capture_on_commit_callbacks(execute=True):
        update_edit(
            update=world.public_update,
            actor=lead,
            title="Les murs sont montés",
            body="Pour les soutiens seulement, finalement",
            audience=Update.Audience.SUPPORTERS,
        )
    assert titles(anonymous) == ["Toit posé"]


def test_a_draft_projects_lists_seen_by_its_lead_are_not_served_to_others(shared_cache):
    world = build_world()
    for path in ("milestones", "expenses", "updates"):
        url = f"/api/v1/projects/brouillon/{path}/"
        assert world.client("lead").get(url).status_code == 200
        response = world.client("anonymous").get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
