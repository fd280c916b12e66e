"""Hidden content is gone from every public surface: a crawl of the site, pages, feeds, images,
report and API, as an anonymous visitor and as an ordinary member.

The world holds one piece of each kind of hidden content, each carrying a marker that appears
nowhere else: a project hidden by moderation, an update hidden on a visible project, a pledge's
message hidden, a member's profile hidden, and a draft cancelled before it ever opened (a finding
of the trust and safety review: it used to show in `/?status=cancelled`). The same crawl over
the same world with nothing hidden finds every marker, so the test sees what it looks for.

Besides a fixed list of surfaces, the crawl follows the links and images of the pages it reads,
to a bounded depth, so a surface added later is covered without being listed here.
"""

import io
import json
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import MemberFactory
from core.tests.hiding import REASON, hide
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.services import project_transition
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from publishing.expenses import expense_record
from publishing.models import Update
from publishing.updates import update_create

MARKERS = {
    "project": "zqxproj",
    "update": "zqxupdate",
    "message": "zqxmessage",
    "profile": "zqxprofile",
    "cancelled draft": "zqxcancelled",
}

# Never followed: the admin, language switching, logging out, the API's schema and docs (large,
# and without content), static and media files (not served by the test client).
SKIPPED_PREFIXES = ("/admin/", "/i18n/", "/logout", "/accounts/logout", "/api/v1/schema", "/api/v1/docs")
SKIPPED_PREFIXES += ("/static/", "/media/")
MAX_DEPTH = 2
MAX_URLS = 400


def build_world(*, hidden):
    """The world; with `hidden`, each marked piece of content hidden (the draft cancelled before
    it opened; without, cancelled after it was open, so public)."""
    community = CommunityFactory(name="Twittoma", slug="twittoma", hashtag="Twittoma")
    moderator = make_moderator(community, MemberFactory(handle="moderatrice"))
    lead = MemberFactory(handle="lead_tighzit")
    project = ProjectFactory(community=community, created_by=lead, slug="tighzit", title="Classe à Tighzit")
    cash = NeedFactory(project=project, cash=True)
    blankets = NeedFactory(project=project, label="couverture", unit="pièce")
    donor = MemberFactory(handle="donatrice")
    PledgeFactory(need=cash, donor=donor, quantity=Decimal("500"), message="Bon courage à tous")
    message_pledge = PledgeFactory(
        need=blankets, donor=MemberFactory(handle="tisserand"), quantity=Decimal("4"), message="zqxmessage merci"
    )
    profile = MemberFactory(handle="zqxprofile_twitto")
    PledgeFactory(need=cash, donor=profile, quantity=Decimal("100"), message="Pour les enfants")
    update_create(project=project, actor=lead, title="Les murs sont montés", body="Merci à tous.", publish=True)
    update = update_create(
        project=project, actor=lead, title="zqxupdate : le chantier", body="Texte zqxupdate.", publish=True
    )

    hidden_project = ProjectFactory(
        community=community,
        created_by=lead,
        slug="zqxproj-puits",
        title="Puits zqxproj",
        summary="Un puits zqxproj",
        story="L'histoire zqxproj.",
        hashtag="zqxproj",
    )
    need = NeedFactory(project=hidden_project, cash=True, label="Fonds zqxproj")
    PledgeFactory(need=need, donor=donor, quantity=Decimal("50"), message="Courage zqxproj")
    update_create(project=hidden_project, actor=lead, title="Nouvelles zqxproj", body="zqxproj.", publish=True)
    expense_record(
        project=hidden_project,
        actor=lead,
        description="Ciment zqxproj",
        supplier="Quincaillerie",
        amount=Decimal("20"),
        spent_on=date(2026, 3, 1),
        need=need,
    )

    cancelled = ProjectFactory(
        community=community,
        created_by=lead,
        slug="zqxcancelled-brouillon",
        title="Brouillon zqxcancelled",
        status=Project.Status.DRAFT if hidden else Project.Status.OPEN,
        opened_at=None if hidden else timezone.now(),
    )
    project_transition(project=cancelled, actor=lead, to_status=Project.Status.CANCELLED, note="Abandonné")
    cancelled.refresh_from_db()
    assert (cancelled.opened_at is None) == hidden

    if hidden:
        hide(hidden_project)
        hide(update)
        hide(message_pledge)
        hide(profile)
    return {
        "community": community,
        "projects": [project, hidden_project, cancelled],
        "members": [moderator, lead, donor, profile, message_pledge.donor],
        "ordinary": MemberFactory(handle="simple_membre"),
    }


def seeds(world):
    """The surfaces listed by hand: what the links may not reach (another project's feed, an
    image, the API, a search), asked of every project and member of the world, hidden or not."""
    urls = [
        "/",
        "/?status=cancelled",
        "/?status=open",
        "/?q=zqx",
        "/?q=Puits",
        "/?community=twittoma",
        "/?category=education",
        "/?sort=most_supporters",
        "/c/twittoma/",
        "/c/twittoma/feed.atom",
        "/api/v1/projects/",
        "/api/v1/projects/?status=cancelled",
        "/api/v1/projects/?q=zqx",
        "/api/v1/projects/?community=twittoma",
        "/api/v1/needs/",
        "/api/v1/communities/",
        "/api/v1/communities/twittoma/",
        "/api/v1/pledges/",
        "/api/v1/receptions/",
        "/api/v1/me/",
    ]
    for project in world["projects"]:
        slug = project.slug
        urls += [f"/p/{slug}/{path}" for path in ("", "feed.atom", "badge.svg", "card.png", "report.pdf", "expenses/")]
        urls += [f"/p/{slug}/updates/{update.pk}/" for update in project.updates.all()]
        urls += [f"/p/{slug}/unsubscribe/not-a-token/"]
        urls += [f"/api/v1/projects/{slug}/"]
        urls += [f"/api/v1/projects/{slug}/{path}/" for path in ("supporters", "updates", "milestones", "expenses")]
        urls += [f"/api/v1/needs/{need.pk}/" for need in project.needs.all()]
    for member in world["members"]:
        urls += [f"/@{member.handle}", f"/api/v1/members/{member.handle}/"]
    # The report form names what it reports: it must not name hidden content either.
    flagged = {
        "project": [project.pk for project in world["projects"]],
        "update": Update.objects.values_list("pk", flat=True),
        "pledge": Pledge.objects.values_list("pk", flat=True),
        "profile": [member.pk for member in world["members"]],
    }
    urls += [reverse("moderation:flag", args=[kind, pk]) for kind, pks in flagged.items() for pk in pks]
    return urls


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src"):
            if attributes.get(name):
                self.found.append(attributes[name])


def links_of(url, text):
    parser = Links()
    parser.feed(text)
    for link in parser.found:
        parts = urlsplit(urljoin("http://testserver" + url, link))
        if parts.scheme in ("http", "https") and parts.hostname == "testserver":
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if not path.startswith(SKIPPED_PREFIXES):
                yield path


def text_of(response):
    """What a response shows, as text: PDFs through their text layer, PNGs as the page that
    points at them (they are images: a hidden project's card is a 404)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if kind.startswith("image/png"):
        return ""
    return content.decode("utf-8", errors="replace")


def crawl(client, start):
    """{url: text} of every successful response: the seeds, and the pages their links reach."""
    seen, texts = set(), {}
    frontier = list(dict.fromkeys(start))
    for depth in range(MAX_DEPTH + 1):
        following = []
        for url in frontier:
            if url in seen or len(seen) >= MAX_URLS:
                continue
            seen.add(url)
            response = client.get(url, HTTP_ACCEPT="*/*")
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            texts[url] = text_of(response)
            if depth < MAX_DEPTH and response.get("Content-Type", "").startswith("text/html"):
                following += links_of(url, texts[url])
        frontier = following
    return texts


def found(texts, marker):
    return sorted(url for url, text in texts.items() if marker in text.lower())


@pytest.fixture(autouse=True)
def site(settings, tmp_path):
    """Social cards drawn under a temporary MEDIA_ROOT; the anonymous API rate out of the way of
    a crawl that asks it more than 120 times."""
    settings.MEDIA_ROOT = tmp_path
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anonymous": "10000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def client_of(viewer, world):
    client = Client()
    if viewer == "member":
        client.force_login(world["ordinary"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_hidden_content_appears_on_no_public_surface(viewer):
    world = build_world(hidden=True)
    texts = crawl(client_of(viewer, world), seeds(world))

    assert len(texts) > 35  # the crawl did read the site: pages, feeds, report, API
    assert {kind: found(texts, marker) for kind, marker in MARKERS.items()} == dict.fromkeys(MARKERS, [])
    # The visible project still shows, with all its pledges counted and its other update.
    assert "Classe à Tighzit" in texts["/"]
    assert "Les murs sont montés" in texts["/p/tighzit/"]
    assert json.loads(texts["/api/v1/projects/tighzit/"])["progress"]["supporters"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_the_same_crawl_finds_every_marker_when_nothing_is_hidden(viewer):
    world = build_world(hidden=False)
    texts = crawl(client_of(viewer, world), seeds(world))

    for kind, marker in MARKERS.items():
        assert found(texts, marker), kind
    # Every kind of surface the hidden crawl asserts on did show the hidden project: pages,
    # feeds, badge, report (its PDF text), API list and detail, the community's page and counts.
    for url in (
        "/",
        "/?q=zqx",
        "/c/twittoma/",
        "/c/twittoma/feed.atom",
        "/p/zqxproj-puits/feed.atom",
        "/p/zqxproj-puits/badge.svg",
        "/p/zqxproj-puits/report.pdf",
        "/api/v1/projects/",
        "/api/v1/projects/zqxproj-puits/",
        "/api/v1/needs/",
        "/@lead_tighzit",
    ):
        assert "zqxproj" in texts[url].lower(), url
    assert "/p/zqxproj-puits/card.png" in texts
    assert "zqxupdate" in texts["/api/v1/projects/tighzit/updates/"]
    assert "zqxmessage" in texts["/api/v1/projects/tighzit/supporters/"]
    assert "zqxprofile" in texts["/api/v1/projects/tighzit/supporters/"]
    assert "zqxcancelled" in texts["/?status=cancelled"]


@pytest.mark.django_db
def test_the_hidden_content_s_own_people_still_see_it_marked_hidden(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    world = build_world(hidden=True)
    lead = world["members"][1]

    client.force_login(lead)
    page = client.get("/p/zqxproj-puits/")
    assert page.status_code == 200
    assert f"Hidden from the public: {REASON}" in page.content.decode()
    timeline = client.get("/p/tighzit/").content.decode()
    assert "zqxupdate" in timeline
    assert f"Hidden from the public: {REASON}" in timeline
    # Leads see the donor behind a hidden profile; the hidden message stays hidden from them.
    assert "@zqxprofile_twitto" in timeline
    assert "zqxmessage" not in timeline
    cancelled = client.get("/p/zqxcancelled-brouillon/").content.decode()
    assert "Cancelled before it opened" in cancelled

    client.force_login(world["members"][3])
    profile = client.get("/@zqxprofile_twitto").content.decode()
    assert "Your profile is hidden from the public" in profile and REASON in profile

    client.force_login(Pledge.objects.get(message__startswith="zqxmessage").donor)
    mine = client.get("/me/pledges/").content.decode()
    assert "zqxmessage merci" in mine
    assert f"Your message is hidden from the public: {REASON}" in mine


@pytest.mark.django_db
def test_a_hidden_profile_is_a_404_to_everyone_but_its_member_and_the_superusers(client):
    world = build_world(hidden=True)
    lead, profile = world["members"][1], world["members"][3]

    assert client.get("/@zqxprofile_twitto").status_code == 404
    for viewer in (world["ordinary"], lead, world["members"][0]):
        client.force_login(viewer)
        assert client.get("/@zqxprofile_twitto").status_code == 404, viewer
    for viewer in (profile, MemberFactory(is_superuser=True, is_staff=True)):
        client.force_login(viewer)
        assert client.get("/@zqxprofile_twitto").status_code == 200, viewer


@pytest.mark.django_db
def test_leads_and_moderators_find_the_hidden_project_in_their_lists(client):
    world = build_world(hidden=True)
    lead, moderator = world["members"][1], world["members"][0]

    for viewer in (lead, moderator):
        client.force_login(viewer)
        assert "Puits zqxproj" in client.get("/").content.decode(), viewer
        assert client.get("/p/zqxproj-puits/").status_code == 200
    client.force_login(lead)
    assert "Brouillon zqxcancelled" in client.get("/?status=cancelled").content.decode()
    assert "Puits zqxproj" in client.get("/@lead_tighzit").content.decode()
    client.force_login(world["ordinary"])
    assert "Puits zqxproj" not in client.get("/@lead_tighzit").content.decode()
