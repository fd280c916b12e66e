"""The project list (the home page): filters and sorts, who sees which project, its cards, and
a query budget that does not grow with the number of projects (the community page's list too)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations.models import Need, Pledge
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

LIST_URL = reverse("pages:home")
EMAIL_DOMAIN = b"private.example"  # every factory member's email ends with it


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def titles(response):
    return [project.title for project in response.context["page"].object_list]


def text(response):
    """The page's text with whitespace collapsed, for assertions on sentences."""
    return " ".join(response.content.decode().split())


def cash_project(title, *, percent_pledged, **fields):
    project = ProjectFactory(title=title, **fields)
    need = NeedFactory(project=project, cash=True, target_quantity=Decimal("1000"))
    if percent_pledged:
        PledgeFactory(need=need, quantity=Decimal(percent_pledged * 10), channel=Pledge.Channel.BANK_TRANSFER)
    return project


@pytest.fixture
def catalogue():
    """Three public projects and a draft, different in every way the list can filter or sort on."""
    twittoma = CommunityFactory(name="Twittoma", slug="twittoma")
    lome = CommunityFactory(name="InstantResilience", slug="instant-resilience")
    now = timezone.now()
    tighzit = cash_project(
        "Classe de Tighzit",
        percent_pledged=90,
        community=twittoma,
        category="education",
        village="Tighzit",
        region="Al Haouz",
        country="MA",
        deadline=date.today() + timedelta(days=90),
        created_at=now - timedelta(days=30),
    )
    NeedFactory(project=tighzit, label="couverture", unit="pièce")
    lome_food = cash_project(
        "Paniers de Lomé",
        percent_pledged=0,
        community=lome,
        category="food_aid",
        village="Lomé",
        region="Maritime",
        country="TG",
        hashtag="InstantResilience",
        deadline=date.today() + timedelta(days=5),
        created_at=now - timedelta(days=20),
    )
    NeedFactory(project=lome_food, label="sac de riz", unit="sac")
    erfoud = cash_project(
        "Bibliothèque d'Erfoud",
        percent_pledged=50,
        community=twittoma,
        category="education",
        village="Erfoud",
        region="Drâa-Tafilalet",
        country="MA",
        status=Project.Status.CLOSED,
        deadline=None,
        created_at=now - timedelta(days=10),
    )
    draft = ProjectFactory(
        title="Brouillon secret", community=twittoma, status=Project.Status.DRAFT, created_at=now - timedelta(days=1)
    )
    return {"tighzit": tighzit, "lome": lome_food, "erfoud": erfoud, "draft": draft}


# --- The list -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_public_projects_newest_first_and_no_draft(client, catalogue):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert titles(response) == ["Bibliothèque d'Erfoud", "Paniers de Lomé", "Classe de Tighzit"]
    assert "Brouillon secret" not in response.content.decode()


@pytest.mark.django_db
def test_list_shows_a_draft_to_its_lead_only(client, login, catalogue):
    login(catalogue["draft"].created_by)

    assert titles(client.get(LIST_URL))[0] == "Brouillon secret"

    login(MemberFactory())
    assert "Brouillon secret" not in titles(client.get(LIST_URL))


@pytest.mark.django_db
def test_list_shows_a_project_in_review_to_its_community_moderators_only(client, login, catalogue):
    in_review = ProjectFactory(title="En revue", community=catalogue["tighzit"].community, status="in_review")

    login(make_moderator(in_review.community))
    assert "En revue" in titles(client.get(LIST_URL))
    login(make_moderator(catalogue["lome"].community))
    assert "En revue" not in titles(client.get(LIST_URL))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("community=twittoma", ["Bibliothèque d'Erfoud", "Classe de Tighzit"]),
        ("category=food_aid", ["Paniers de Lomé"]),
        ("status=closed", ["Bibliothèque d'Erfoud"]),
        ("country=tg", ["Paniers de Lomé"]),
        ("region=haouz", ["Classe de Tighzit"]),
        ("item=couvert", ["Classe de Tighzit"]),
        ("q=erfoud", ["Bibliothèque d'Erfoud"]),
        ("q=InstantRes", ["Paniers de Lomé"]),
        ("community=twittoma&category=education&country=MA&status=open", ["Classe de Tighzit"]),
        ("category=health", []),
    ],
)
@pytest.mark.django_db
def test_list_filters(client, catalogue, query, expected):
    response = client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert titles(response) == expected
    assert not response.context["form"].errors


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Bibliothèque d'Erfoud", "Paniers de Lomé", "Classe de Tighzit"]),
        # Soonest deadline first; a project without a deadline last.
        ("deadline", ["Paniers de Lomé", "Classe de Tighzit", "Bibliothèque d'Erfoud"]),
        # The least pledged share first: 0 %, 50 %, 90 %.
        ("most_missing", ["Paniers de Lomé", "Bibliothèque d'Erfoud", "Classe de Tighzit"]),
    ],
)
@pytest.mark.django_db
def test_list_sorts(client, catalogue, sort, expected):
    assert titles(client.get(f"{LIST_URL}?sort={sort}")) == expected


@pytest.mark.parametrize(
    "query",
    [
        "category=nope",
        "status=draft",
        "sort=weird",
        "community=no-such-community",
        "page=abc",
        "page=-3",
        "page=9999",
        "country=Morocco",
        "q=" + "x" * 500,
    ],
)
@pytest.mark.django_db
def test_list_ignores_bad_filter_values_without_failing(client, catalogue, query):
    response = client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    # The bad value is dropped; every public project is still listed.
    assert titles(response) == ["Bibliothèque d'Erfoud", "Paniers de Lomé", "Classe de Tighzit"]


@pytest.mark.django_db
def test_list_says_when_a_filter_was_ignored(client, catalogue):
    response = client.get(f"{LIST_URL}?category=nope&country=MA")

    assert "category" in response.context["form"].errors
    assert "were ignored" in text(response)
    # The valid filter still applies.
    assert titles(response) == ["Bibliothèque d'Erfoud", "Classe de Tighzit"]


@pytest.mark.django_db
def test_list_paginates_twelve_per_page_keeping_filters(client):
    community = CommunityFactory(slug="twittoma")
    lead = MemberFactory()
    for number in range(13):
        ProjectFactory(title=f"Projet {number:02}", community=community, created_by=lead)
    ProjectFactory(title="Elsewhere", created_by=lead)

    first = client.get(f"{LIST_URL}?community=twittoma&sort=newest")
    second = client.get(f"{LIST_URL}?community=twittoma&sort=newest&page=2")

    assert len(titles(first)) == 12
    assert titles(second) == ["Projet 00"]
    assert "community=twittoma" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]


@pytest.mark.django_db
def test_list_card_shows_progress_money_and_supporters(client):
    project = ProjectFactory(title="Fonds de Tighzit", currency="MAD", deadline=date(2031, 6, 30))
    need = NeedFactory(project=project, cash=True, target_quantity=Decimal("50000"))
    pledge = PledgeFactory(need=need, quantity=Decimal("1500"), channel=Pledge.Channel.BANK_TRANSFER)
    ReceptionFactory(pledge=pledge, quantity=Decimal("500"))
    PledgeFactory(need=need, quantity=Decimal("1000"), channel=Pledge.Channel.BANK_TRANSFER)

    page = text(client.get(LIST_URL))

    # Received against the goal, big; pledged in the bar, with its legend.
    assert "500 MAD received</strong> of 50,000 MAD (1%)" in page
    assert "pledged, on its way" in page
    assert "2 supporters" in page
    assert "2031" in page
    assert 'class="bar-pledged" width="5"' in page  # pledged 2 500 of 50 000
    assert 'class="bar-received" width="1"' in page  # received 500 of 50 000


@pytest.mark.django_db
def test_list_card_has_no_money_line_for_a_material_only_project(client):
    project = ProjectFactory(title="Couvertures")
    NeedFactory(project=project)

    assert "MAD" not in text(client.get(LIST_URL))


# --- Query budgets ------------------------------------------------------------------------------------

LIST_QUERY_BUDGET = 6  # session, member, communities for the filter, count, page (+1 spare)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response


def add_projects(community, lead, donors, count):
    """`count` open projects, each with a cash need and a material need, each pledged on."""
    for _number in range(count):
        project = ProjectFactory(community=community, created_by=lead, deadline=date(2031, 1, 1))
        cash = NeedFactory(project=project, cash=True)
        blankets = NeedFactory(project=project)
        PledgeFactory(need=cash, donor=donors[_number % len(donors)], channel=Pledge.Channel.BANK_TRANSFER)
        PledgeFactory(need=blankets, donor=donors[(_number + 1) % len(donors)], visibility=Pledge.Visibility.ANONYMOUS)


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
@pytest.mark.django_db
def test_list_page_queries_do_not_grow_with_projects(client, login, django_assert_max_num_queries, viewer):
    community = CommunityFactory()
    lead = MemberFactory()
    donors = MemberFactory.create_batch(7)
    if viewer == "member":
        login(donors[0])
    url = f"{LIST_URL}?sort=most_missing"

    add_projects(community, lead, donors, 5)
    few, _response = count_queries(client, url)
    add_projects(community, lead, donors, 55)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        many, response = count_queries(client, url)

    assert Project.objects.count() == 60
    assert Need.objects.count() == 120
    assert Pledge.objects.count() == 120
    assert len(titles(response)) == 12
    assert few == many


@pytest.mark.django_db
def test_community_page_queries_do_not_grow_with_projects(client, login, django_assert_max_num_queries):
    community = CommunityFactory()
    lead = MemberFactory()
    donors = MemberFactory.create_batch(3)
    login(donors[0])

    add_projects(community, lead, donors, 5)
    few, _response = count_queries(client, community.get_absolute_url())
    add_projects(community, lead, donors, 50)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        many, _response = count_queries(client, community.get_absolute_url())

    assert few == many
