"""Public pages from the shared cache (core/page_cache.py): a repeat costs no query, a page read
right after a commit shows that commit, a pledge refreshes only the pages that can show it, and
every visitor gets the page they would get without the cache (members their own header, leads
and moderators their own render), with headers a proxy can work with.

Writes go through the services inside `django_capture_on_commit_callbacks(execute=True)`: the
versions change when a transaction commits, and a test's transaction never does.
"""

import gzip
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from moderation.services import flag_create
from projects.services import community_create, project_update
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english", "page_cache")]

# The pages kept in the cache, read by an anonymous visitor.
PAGES = {
    "home": "/",
    "home by country": "/?country=MA",
    "home by community": "/?community=atlas",
    "project": "/p/tighzit/",
    "community": "/c/atlas/",
    "project feed": "/p/tighzit/feed.atom",
    "community feed": "/c/atlas/feed.atom",
    "badge": "/p/tighzit/badge.svg",
    "card": "/p/tighzit/card.png",
    "report": "/p/tighzit/report.pdf",
}
HTML_PAGES = ("home", "home by country", "home by community", "project", "community")

# Queries of a miss, whatever the number of pledges (1 or 200): the view's own reads.
MISS_QUERIES = {
    "home": 3,  # count, page, communities for the filter
    "home by country": 3,
    "home by community": 5,  # the filter's community (read for the versions, then by the view)
    "project": 6,  # project, leads, needs, supporters, milestones, the timeline's count
    "community": 4,
    "project feed": 2,
    "community feed": 2,
    "badge": 1,
    "card": 3,
    "report": 6,
}
# Queries of a hit: none, but for the list filtered on a community, whose slug is checked (an
# unknown one is no filter, and the list is then the whole one).
HIT_QUERIES = {"home by community": 1}


@pytest.fixture
def page_cache(settings, media):
    settings.PAGE_CACHE = True


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world():
    """Community "atlas": Tighzit (MA, education, a cash need) and Aghbar (MA, water). Community
    "sahel": Kara (TG, water)."""
    atlas = CommunityFactory(name="Atlas", slug="atlas")
    sahel = CommunityFactory(name="Sahel", slug="sahel")
    lead = MemberFactory(handle="lead_tighzit")
    tighzit = ProjectFactory(community=atlas, slug="tighzit", title="Classe de Tighzit", created_by=lead)
    cash = NeedFactory(project=tighzit, cash=True, target_quantity=Decimal("40000"))
    aghbar = ProjectFactory(community=atlas, slug="aghbar", title="Puits d'Aghbar", category="water")
    NeedFactory(project=aghbar)
    kara = ProjectFactory(community=sahel, slug="kara", title="Puits de Kara", country="TG", category="water")
    NeedFactory(project=kara)
    return {"lead": lead, "tighzit": tighzit, "cash": cash, "aghbar": aghbar, "kara": kara}


def read(client, url, **headers):
    """The response and how many queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code in (200, 304), url
    return response, len(queries)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def committed(capture, write, **arguments):
    with capture(execute=True):
        return write(**arguments)


def pledge(capture, need, quantity="2500", **arguments):
    return committed(
        capture,
        pledge_create,
        donor=arguments.pop("donor", None) or MemberFactory(),
        need=need,
        quantity=Decimal(quantity),
        channel=Pledge.Channel.BANK_TRANSFER,
        **arguments,
    )


def receive_in_full(capture, pledged, lead):
    return committed(capture, reception_record, pledge=pledged, actor=lead, quantity=pledged.quantity)


def flagged_until_hidden(capture, **flag):
    """As many members flag it as hide it."""
    for reporter in MemberFactory.create_batch(settings.FLAG_HIDE_THRESHOLD):
        committed(capture, flag_create, reporter=reporter, **flag)


# --- Repeats cost nothing -----------------------------------------------------------------------------


@pytest.mark.parametrize("pledges", [1, 200])
@pytest.mark.parametrize("page", PAGES)
def test_a_repeat_of_a_public_page_reads_no_row_however_many_pledges(client, world, page, pledges):
    donors = MemberFactory.create_batch(5)
    for number in range(pledges):
        PledgeFactory(need=world["cash"], donor=donors[number % 5], channel=Pledge.Channel.BANK_TRANSFER)

    first, miss = read(client, PAGES[page])
    again, hit = read(client, PAGES[page])

    assert first.status_code == again.status_code == 200
    assert miss == MISS_QUERIES[page]
    assert hit == HIT_QUERIES.get(page, 0)
    assert body(again) == body(first)
    assert again["ETag"] == first["ETag"]


def test_a_member_s_repeat_reads_their_session_and_one_question_at_most(client, world):
    client.force_login(MemberFactory(handle="passante"))
    for url in PAGES.values():
        read(client, url)
    for page, url in PAGES.items():
        _response, queries = read(client, url)
        # The session, the member, and for the pages with a personal view: may they see more?
        assert queries == (3 if page in HTML_PAGES else 2) + HIT_QUERIES.get(page, 0), page


# --- A page read right after a commit shows that commit -----------------------------------------------


def text(response):
    return " ".join(body(response).decode().split())


def test_each_page_read_right_after_a_pledge_and_a_reception_shows_them(
    client, world, django_capture_on_commit_callbacks
):
    for url in PAGES.values():
        read(client, url)  # every page cached before the writes

    donor = MemberFactory(handle="genereuse")
    pledged = pledge(django_capture_on_commit_callbacks, world["cash"], quantity="10000", donor=donor)

    assert "<dt>Pledged</dt><dd>10,000 MAD</dd>" in text(client.get("/p/tighzit/"))
    assert "@genereuse" in text(client.get("/p/tighzit/"))
    for url in ("/", "/?country=MA", "/?community=atlas", "/c/atlas/"):
        assert 'class="bar-pledged" width="25"' in text(client.get(url)), url  # 10 000 of 40 000 pledged

    receive_in_full(django_capture_on_commit_callbacks, pledged, world["lead"])

    assert "10,000 MAD received</strong> of 40,000 MAD (25%)" in text(client.get("/p/tighzit/"))
    assert "10,000 MAD received</strong> of 40,000 MAD (25%)" in text(client.get("/c/atlas/"))
    assert "25 % received" in text(client.get("/p/tighzit/badge.svg"))
    # 25 % of the need arrived: a threshold on the project's timeline, in both feeds.
    assert "25 % of “Fonds de construction” received" in text(client.get("/p/tighzit/feed.atom"))
    assert "25 % of “Fonds de construction” received" in text(client.get("/c/atlas/feed.atom"))


def test_after_a_pledge_the_project_page_renders_only_its_progress_into_the_kept_frame(
    client, world, django_capture_on_commit_callbacks
):
    read(client, "/p/tighzit/")  # the page and its frame kept

    pledge(django_capture_on_commit_callbacks, world["cash"], quantity="10000", donor=MemberFactory(handle="genereuse"))
    after_pledge, queries = read(client, "/p/tighzit/")

    # Project, leads, needs, supporters: not the milestones nor the timeline, which a pledge leaves.
    assert queries == MISS_QUERIES["project"] - 2
    page = text(after_pledge)
    assert "<dt>Pledged</dt><dd>10,000 MAD</dd>" in page
    assert "@genereuse" in page
    assert "1 supporter" in page
    # Exactly what the whole page rendered anew shows.
    cache.clear()
    assert body(client.get("/p/tighzit/")) == body(after_pledge)


def test_a_threshold_reached_renders_the_project_page_s_timeline_anew(
    client, world, django_capture_on_commit_callbacks
):
    pledged = pledge(django_capture_on_commit_callbacks, world["cash"], quantity="10000")
    read(client, "/p/tighzit/")

    receive_in_full(django_capture_on_commit_callbacks, pledged, world["lead"])
    after_reception = client.get("/p/tighzit/")

    assert "25 % of “Fonds de construction” received" in text(after_reception)
    cache.clear()
    assert body(client.get("/p/tighzit/")) == body(after_reception)


def test_a_pledge_refreshes_its_project_and_its_lists_only(client, world, django_capture_on_commit_callbacks):
    refreshed = ["/p/tighzit/", "/c/atlas/", "/", "/?country=MA", "/?community=atlas", "/?category=education"]
    # A search may find any project; an unknown community is no filter: both are the whole list's.
    refreshed += ["/?q=classe", "/?community=nowhere"]
    kept = ["/p/aghbar/", "/p/kara/", "/c/sahel/", "/?country=TG", "/?category=water", "/?community=sahel"]
    before = {url: read(client, url)[0] for url in refreshed + kept}

    pledge(django_capture_on_commit_callbacks, world["cash"])

    for url in kept:
        response, queries = read(client, url)
        assert queries == (1 if "community=" in url else 0), url
        assert response["ETag"] == before[url]["ETag"], url
    for url in refreshed:
        response, queries = read(client, url)
        assert queries > 0, url
        assert response["ETag"] != before[url]["ETag"], url


def test_a_project_moved_to_another_country_leaves_the_list_of_its_old_one(
    client, world, django_capture_on_commit_callbacks
):
    assert "Classe de Tighzit" in text(client.get("/?country=MA"))
    assert "Classe de Tighzit" not in text(client.get("/?country=TG"))

    committed(
        django_capture_on_commit_callbacks,
        project_update,
        project=world["tighzit"],
        actor=world["lead"],
        country="TG",
    )

    assert "Classe de Tighzit" not in text(client.get("/?country=MA"))
    assert "Classe de Tighzit" in text(client.get("/?country=TG"))


def test_a_member_joining_shows_in_the_community_s_count_and_their_membership(
    client, world, django_capture_on_commit_callbacks
):
    assert "0 members" in text(client.get("/c/sahel/"))
    client.force_login(MemberFactory(handle="nouvelle"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/c/sahel/join/", follow=True)

    # The page after the join shows its message: rendered for her, not from the cache.
    assert "You are now a member of Sahel." in text(response)
    assert "You are a member" in text(client.get("/c/sahel/"))
    assert "1 member" in text(Client(HTTP_ACCEPT_LANGUAGE="en").get("/c/sahel/"))


def test_a_pledge_message_hidden_by_flags_leaves_the_cached_page_at_once(
    client, world, django_capture_on_commit_callbacks
):
    pledged = pledge(django_capture_on_commit_callbacks, world["cash"], message="Achetez chez Spam & Co")
    assert "Achetez chez Spam &amp; Co" in body(client.get("/p/tighzit/")).decode()

    flagged_until_hidden(django_capture_on_commit_callbacks, kind="pledge", target_id=pledged.pk, reason="spam")

    assert "Spam" not in body(client.get("/p/tighzit/")).decode()


def test_a_project_hidden_by_flags_leaves_every_cached_page_at_once(client, world, django_capture_on_commit_callbacks):
    for url in ("/", "/c/atlas/", "/?country=MA", "/p/tighzit/"):
        assert "Classe de Tighzit" in text(client.get(url)), url

    flagged_until_hidden(
        django_capture_on_commit_callbacks, kind="project", target_id=world["tighzit"].pk, reason="fraud"
    )

    for url in ("/", "/c/atlas/", "/?country=MA"):
        assert "Classe de Tighzit" not in text(client.get(url)), url
    assert client.get("/p/tighzit/").status_code == 404
    assert client.get("/p/tighzit/badge.svg").status_code == 404


def test_a_new_community_is_offered_by_the_list_s_filter_at_once(client, world, django_capture_on_commit_callbacks):
    assert "Oasis" not in text(client.get("/"))

    committed(django_capture_on_commit_callbacks, community_create, name="Oasis", slug="oasis")

    assert "Oasis" in text(client.get("/"))


# --- Who gets what ----------------------------------------------------------------------------------


def nav(html):
    return html.split("<!--personal:site-header-->")[1].split("<!--/personal:site-header-->")[0]


def test_a_member_gets_the_shared_page_with_their_own_header(client, world):
    public = client.get("/p/tighzit/")
    amina = Client(HTTP_ACCEPT_LANGUAGE="en")
    amina.force_login(MemberFactory(handle="amina"))
    karim = Client(HTTP_ACCEPT_LANGUAGE="en")
    karim.force_login(MemberFactory(handle="karim"))

    hers, queries = read(amina, "/p/tighzit/")
    his, _queries = read(karim, "/p/tighzit/")

    assert queries == 3  # from the cache: her session, her account, may she see more than the public?
    for response, handle, other in ((hers, "@amina", "@karim"), (his, "@karim", "@amina")):
        html = response.content.decode()
        assert handle in nav(html)
        assert other not in html
        assert "Log out" in nav(html)
        assert "csrfmiddlewaretoken" in nav(html)  # her own token, in her own header
        assert html.count("csrfmiddlewaretoken") == 1
        assert "Log in" not in nav(html)
        # Everything else is the public page.
        assert html.replace(nav(html), "") == public.content.decode().replace(nav(public.content.decode()), "")
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_a_member_s_first_read_stores_the_public_page_for_everyone(client, world):
    amina = Client(HTTP_ACCEPT_LANGUAGE="en")
    amina.force_login(MemberFactory(handle="amina"))

    assert "@amina" in amina.get("/p/tighzit/").content.decode()
    public, queries = read(client, "/p/tighzit/")

    assert queries == 0
    assert "@amina" not in public.content.decode()
    assert "csrfmiddlewaretoken" not in public.content.decode()
    assert "Log in" in nav(public.content.decode())


def test_leads_moderators_and_donors_get_their_own_render(client, world, django_capture_on_commit_callbacks):
    client.get("/p/tighzit/")
    client.get("/c/atlas/")
    shy = MemberFactory(handle="discrete")
    pledge(django_capture_on_commit_callbacks, world["cash"], donor=shy, visibility=Pledge.Visibility.ANONYMOUS)
    moderator = make_moderator(world["tighzit"].community, MemberFactory(handle="moderatrice"))

    lead_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    lead_page.force_login(world["lead"])
    response, queries = read(lead_page, "/p/tighzit/")
    assert queries > 3  # rendered for the lead
    assert "Manage this project" in response.content.decode()
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}

    donor_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    donor_page.force_login(shy)
    assert "@discrete" in text(donor_page.get("/p/tighzit/"))  # her anonymous pledge, to her

    moderator_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    moderator_page.force_login(moderator)
    assert "Moderation queue" in text(moderator_page.get("/c/atlas/"))

    public = text(client.get("/p/tighzit/"))
    assert "Manage this project" not in public
    assert "@discrete" not in public
    assert "Moderation queue" not in text(client.get("/c/atlas/"))


def test_a_member_of_a_community_gets_their_membership_line_on_its_shared_page(client, world):
    client.get("/c/atlas/")
    member = MemberFactory(handle="voisine")
    world["tighzit"].community.memberships.create(member=member)
    member_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    member_page.force_login(member)
    stranger_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    stranger_page.force_login(MemberFactory())

    hers, her_queries = read(member_page, "/c/atlas/")
    theirs, their_queries = read(stranger_page, "/c/atlas/")
    public = client.get("/c/atlas/")

    assert her_queries == their_queries == 3  # from the cache: session, account, membership
    assert "You are a member" in text(hers)
    assert 'action="/c/atlas/join/"' in theirs.content.decode()  # the button that joins, with their token
    assert 'action="/c/atlas/join/"' not in public.content.decode()
    assert 'href="/accounts/login/?next=/c/atlas/"' in public.content.decode()  # a visitor logs in first


def test_a_draft_s_badge_is_not_found_for_the_public_and_shown_to_its_lead(client, world):
    draft = ProjectFactory(slug="brouillon", status="draft", created_by=world["lead"])

    assert client.get("/p/brouillon/badge.svg").status_code == 404
    assert client.get("/p/brouillon/").status_code == 404
    lead = Client(HTTP_ACCEPT_LANGUAGE="en")
    lead.force_login(draft.created_by)
    assert lead.get("/p/brouillon/badge.svg").status_code == 200
    assert "private" in lead.get("/p/brouillon/badge.svg")["Cache-Control"]
    assert lead.get("/p/brouillon/").status_code == 200
    assert client.get("/p/brouillon/").status_code == 404


def test_no_cached_page_holds_a_csrf_token(client, world):
    for page in HTML_PAGES:
        assert "csrfmiddlewaretoken" not in client.get(PAGES[page]).content.decode(), page
        assert "csrfmiddlewaretoken" not in client.get(PAGES[page]).content.decode(), page


def test_the_language_switcher_works_without_a_token(world):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/p/tighzit/"})

    assert response.status_code == 302
    assert response["Location"] == "/p/tighzit/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


# --- Headers for proxies and browsers --------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_say_who_may_keep_them_and_answer_a_known_etag_with_304(client, world, page):
    first = client.get(PAGES[page])
    again = client.get(PAGES[page])

    for response in (first, again):
        assert "public" in response["Cache-Control"]
        assert {"Accept-Language", "Cookie"} <= {value.strip() for value in response["Vary"].split(",")}
        assert response["ETag"]
        assert response["Last-Modified"]
    max_age = {"badge": 300, "card": 300, "report": 300, "project feed": 300, "community feed": 300}.get(page, 30)
    assert f"max-age={max_age}" in again["Cache-Control"]
    not_modified, queries = read(client, PAGES[page], HTTP_IF_NONE_MATCH=again["ETag"])
    assert not_modified.status_code == 304
    assert queries == HIT_QUERIES.get(page, 0)


def test_a_compressed_page_answers_its_etag_with_304(client, world):
    compressed = client.get("/p/tighzit/", HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"

    not_modified, queries = read(
        client, "/p/tighzit/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=compressed["ETag"]
    )

    assert not_modified.status_code == 304
    assert queries == 0


def test_a_shared_page_is_compressed_once_and_served_as_stored(client, world):
    plain = client.get("/p/tighzit/")
    first = client.get("/p/tighzit/", HTTP_ACCEPT_ENCODING="gzip")
    again, queries = read(client, "/p/tighzit/", HTTP_ACCEPT_ENCODING="gzip")

    assert queries == 0
    assert first["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in {value.strip() for value in again["Vary"].split(",")}
    assert gzip.decompress(again.content) == plain.content
    # GZipMiddleware pads each compression with random bytes: the same bytes twice were stored.
    assert again.content == first.content
    assert again["ETag"] == "W/" + plain["ETag"]


def test_french_and_english_are_kept_apart(world):
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")

    for _repeat in range(2):
        assert "<h1>Projets</h1>" in french.get("/").content.decode()
        assert "<h1>Projects</h1>" in english.get("/").content.decode()
        assert "0 % received" in english.get("/p/tighzit/badge.svg").content.decode()
        assert "0 % received" not in french.get("/p/tighzit/badge.svg").content.decode()
