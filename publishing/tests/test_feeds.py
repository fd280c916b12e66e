"""Atom feeds of a project and of a community: valid Atom, public entries only, flat queries."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.expenses import expense_record
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Milestone, TimelineEntry, Update
from publishing.updates import update_create, update_edit, update_publish

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def entry_titles(feed):
    return [entry.findtext(f"{ATOM}title") for entry in entries(feed)]


def published_update(project, *, title, body="Merci à **toutes et tous**.", audience=Update.Audience.PUBLIC, at=None):
    update = update_create(project=project, actor=project.created_by, title=title, body=body, audience=audience)
    return update_publish(update=update, actor=project.created_by, now=at)


def done_milestone(project, *, title, on):
    milestone = milestone_create(project=project, actor=project.created_by, title=title)
    return milestone_update(
        milestone=milestone,
        actor=project.created_by,
        title=title,
        description="",
        target_date=None,
        status=Milestone.Status.DONE,
        evidence_note="",
        done_on=on,
    )


@pytest.fixture
def client(client):
    # Texts in English: the translations are written separately.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def project():
    community = CommunityFactory(name="Twittoma", slug="twittoma", hashtag="Twittoma")
    return ProjectFactory(
        community=community, title="Classe de Tighzit", slug="tighzit", summary="Une classe pour le village"
    )


@pytest.fixture
def timeline(project):
    """A public update, a supporters-only update, a draft, a done milestone, a threshold, an expense."""
    now = timezone.now()
    public = published_update(project, title="Les couvertures sont arrivées", at=now - timedelta(days=3))
    published_update(
        project,
        title="Pour nos soutiens : les comptes",
        audience=Update.Audience.SUPPORTERS,
        at=now - timedelta(days=2),
    )
    update_create(project=project, actor=project.created_by, title="Brouillon pas encore publié", body="…")
    done_milestone(project, title="Terrain obtenu", on=(now - timedelta(days=5)).date())
    # A reception that takes a need from 0 to 50 %: the reception service records 25 and 50 %.
    need = NeedFactory(project=project, label="couverture", target_quantity=Decimal("20"))
    pledge = PledgeFactory(need=need, quantity=Decimal("10"))
    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("10"))
    expense_record(
        project=project,
        actor=project.created_by,
        description="Ciment",
        supplier="Souk Tiznit",
        amount=Decimal("1500"),
        spent_on=now.date(),
    )
    return {"public": public}


@pytest.mark.django_db
def test_project_feed_is_atom_with_its_id_title_links_and_updated(client, project, timeline):
    feed = parse(client.get("/p/tighzit/feed.atom"))

    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Classe de Tighzit · Tiwizi"
    assert feed.findtext(f"{ATOM}id") == "http://testserver/p/tighzit/"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"alternate": "http://testserver/p/tighzit/", "self": "http://testserver/p/tighzit/feed.atom"}
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Tiwizi"
    # The feed's "updated" is its newest entry's date.
    newest = max(entry.findtext(f"{ATOM}updated") for entry in entries(feed))
    assert feed.findtext(f"{ATOM}updated") == newest


@pytest.mark.django_db
def test_project_feed_lists_public_entries_newest_first_without_supporters_only_or_drafts(client, project, timeline):
    feed = parse(client.get("/p/tighzit/feed.atom"))

    assert entry_titles(feed) == [
        "Expense: Ciment, 1,500 MAD",
        "50 % of “couverture” received",
        "25 % of “couverture” received",
        "Les couvertures sont arrivées",
        "Milestone reached: Terrain obtenu",
    ]
    assert b"Pour nos soutiens" not in client.get("/p/tighzit/feed.atom").content
    assert b"Brouillon" not in client.get("/p/tighzit/feed.atom").content


@pytest.mark.django_db
def test_feed_entries_have_unique_stable_ids_and_links_to_their_place_on_the_page(client, project, timeline):
    first = parse(client.get("/p/tighzit/feed.atom"))
    ids = [entry.findtext(f"{ATOM}id") for entry in entries(first)]
    assert len(set(ids)) == len(ids) == 5
    assert all(entry_id.startswith("tag:127.0.0.1,") for entry_id in ids)

    # A new entry and an edited title leave the other entries' ids as they were.
    published_update(project, title="Les murs montent")
    update_edit(
        update=timeline["public"],
        actor=project.created_by,
        title="Les couvertures (200) sont arrivées",
        body="Merci.",
        audience=Update.Audience.PUBLIC,
    )
    second = parse(client.get("/p/tighzit/feed.atom"))
    assert [entry.findtext(f"{ATOM}id") for entry in entries(second)][1:] == ids
    assert "Les couvertures (200) sont arrivées" in entry_titles(second)

    # An update links to its own page; other entries to their place on the project's timeline.
    links = {entry.findtext(f"{ATOM}title"): entry.find(f"{ATOM}link").get("href") for entry in entries(second)}
    assert (
        links["Les couvertures (200) sont arrivées"] == f"http://testserver/p/tighzit/updates/{timeline['public'].pk}/"
    )
    milestone_entry = TimelineEntry.objects.get(kind="milestone")
    assert links["Milestone reached: Terrain obtenu"] == f"http://testserver/p/tighzit/#entry-{milestone_entry.pk}"


@pytest.mark.django_db
def test_an_update_turned_supporters_only_leaves_the_feed(client, project, timeline):
    update_edit(
        update=timeline["public"],
        actor=project.created_by,
        title="Les couvertures sont arrivées",
        body="Pour nos soutiens.",
        audience=Update.Audience.SUPPORTERS,
    )

    assert "Les couvertures sont arrivées" not in entry_titles(parse(client.get("/p/tighzit/feed.atom")))
    assert "Les couvertures sont arrivées" not in entry_titles(
        parse(client.get(f"/c/{project.community.slug}/feed.atom"))
    )


@pytest.mark.django_db
def test_update_text_in_the_feed_is_sanitised_html(client, project):
    published_update(project, title="Merci", body="Merci à **tous**. <script>alert(1)</script>")

    feed = parse(client.get("/p/tighzit/feed.atom"))

    summary = entries(feed)[0].findtext(f"{ATOM}summary")
    assert "<strong>tous</strong>" in summary
    assert "<script>" not in summary


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Project.Status.DRAFT, Project.Status.IN_REVIEW])
def test_feed_of_a_project_not_public_is_not_found_even_for_its_lead(client, login, status):
    project = ProjectFactory(status=status, slug="brouillon")
    published_update(project, title="Secret")

    assert client.get("/p/brouillon/feed.atom").status_code == 404
    assert login(project.created_by).get("/p/brouillon/feed.atom").status_code == 404
    assert client.get("/p/unknown/feed.atom").status_code == 404


@pytest.mark.django_db
def test_community_feed_merges_its_public_projects_only(client, project, timeline):
    draft = ProjectFactory(community=project.community, status=Project.Status.DRAFT, title="Projet en brouillon")
    published_update(draft, title="Du brouillon")
    other_community = ProjectFactory(title="Ailleurs")
    published_update(other_community, title="Autre communauté")
    published_update(project, title="Les murs montent")

    feed = parse(client.get("/c/twittoma/feed.atom"))

    assert feed.findtext(f"{ATOM}title") == "Twittoma · Tiwizi"
    assert feed.findtext(f"{ATOM}id") == "http://testserver/c/twittoma/"
    titles = entry_titles(feed)
    assert titles[0] == "Classe de Tighzit — Les murs montent"
    assert len(titles) == 6
    assert all(title.startswith("Classe de Tighzit — ") for title in titles)
    assert client.get("/c/unknown/feed.atom").status_code == 404


@pytest.mark.django_db
def test_feed_query_count_does_not_grow_with_entries(client, project, timeline, django_assert_num_queries):
    with django_assert_num_queries(2):
        parse(client.get("/p/tighzit/feed.atom"))
    with django_assert_num_queries(2):
        parse(client.get("/c/twittoma/feed.atom"))

    for number in range(10):
        published_update(project, title=f"Nouvelle {number}")
        done_milestone(project, title=f"Étape {number}", on=timezone.localdate())
    with django_assert_num_queries(2):
        assert len(entries(parse(client.get("/p/tighzit/feed.atom")))) == 25
    with django_assert_num_queries(2):
        parse(client.get("/c/twittoma/feed.atom"))


@pytest.mark.django_db
def test_project_and_community_pages_announce_their_feeds(client, project):
    page = client.get("/p/tighzit/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/p/tighzit/feed.atom"' in page

    page = client.get("/c/twittoma/").content.decode()
    assert 'href="/c/twittoma/feed.atom"' in page
