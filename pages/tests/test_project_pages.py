"""The public pages: project list with filters and sorts, project page, community page, and
proposing or editing a project. Who sees what, and a query budget that does not grow."""

import io
import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import MemberFactory
from donations.models import Need, Pledge
from donations.services import need_close
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Membership, Project
from projects.services import project_transition
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
        "status=%00",
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

    assert "2,500.00 MAD pledged · 500.00 MAD received of 50,000.00 MAD" in page
    assert "2 supporters" in page
    assert "2031" in page
    assert 'style="width: 5%"' in page  # pledged 2 500 of 50 000
    assert 'style="width: 1%"' in page  # received 500 of 50 000


@pytest.mark.django_db
def test_list_card_has_no_money_line_for_a_material_only_project(client):
    project = ProjectFactory(title="Couvertures")
    NeedFactory(project=project)

    assert "MAD" not in text(client.get(LIST_URL))


# --- The project page -------------------------------------------------------------------------


@pytest.fixture
def blankets_project():
    lead = MemberFactory(handle="lead_aghbar", email="lead@private.example")
    co_lead = MemberFactory(handle="co_lead")
    project = ProjectFactory(
        title="Vêtements chauds pour Aghbar",
        slug="aghbar",
        created_by=lead,
        leads=[lead, co_lead],
        summary="Des couvertures pour l'hiver",
        hashtag="Aghbar",
        deadline=date(2031, 1, 15),
    )
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", target_quantity=Decimal("200"))
    donor = MemberFactory(handle="public_donor", email="donor@private.example")
    pledge = PledgeFactory(need=blankets, donor=donor, quantity=Decimal("10"))
    ReceptionFactory(pledge=pledge, quantity=Decimal("8"))
    hidden = MemberFactory(handle="shy_donor", email="shy@private.example")
    PledgeFactory(need=blankets, donor=hidden, quantity=Decimal("30"), visibility=Pledge.Visibility.ANONYMOUS)
    return project


@pytest.mark.django_db
def test_project_page_shows_needs_with_progress_and_a_pledge_link(client, blankets_project):
    blankets = blankets_project.needs.get()

    response = client.get(blankets_project.get_absolute_url())

    page = text(response)
    assert response.status_code == 200
    assert "Vêtements chauds pour Aghbar" in page
    assert "8 pièce received of 200 pièce" in page
    assert "40 pièce pledged" in page
    assert "160 pièce still missing" in page
    assert "#Aghbar" in page
    assert reverse("donations:pledge", kwargs={"slug": "aghbar", "need_id": blankets.pk}) in page
    assert f'id="need-{blankets.pk}"' in page
    assert '<a href="/@lead_aghbar">@lead_aghbar</a>' in page
    assert '<a href="/@co_lead">@co_lead</a>' in page
    assert 'style="width: 4%"' in page  # 8 of 200 received
    assert 'style="width: 20%"' in page  # 40 of 200 pledged


@pytest.mark.django_db
def test_project_page_offers_no_pledge_on_a_closed_need_or_a_closed_project(client, blankets_project):
    blankets = blankets_project.needs.get()
    other = NeedFactory(project=blankets_project, label="ciment", unit="sac")
    need_close(need=other, actor=blankets_project.created_by)
    pledge_url = "/needs/{}/pledge/"

    page = text(client.get(blankets_project.get_absolute_url()))
    assert pledge_url.format(blankets.pk) in page
    assert pledge_url.format(other.pk) not in page

    project_transition(project=blankets_project, actor=blankets_project.created_by, to_status=Project.Status.CLOSED)
    assert "/pledge/" not in text(client.get(blankets_project.get_absolute_url()))


@pytest.mark.django_db
def test_project_page_shows_cash_totals(client, blankets_project):
    need = NeedFactory(project=blankets_project, cash=True, target_quantity=Decimal("5000"))
    PledgeFactory(need=need, quantity=Decimal("1200"), channel=Pledge.Channel.MOBILE_MONEY)

    page = text(client.get(blankets_project.get_absolute_url()))

    assert "1,200.00 MAD pledged · 0.00 MAD received of 5,000.00 MAD" in page
    assert "Still missing: 3,800.00 MAD" in page


@pytest.mark.django_db
def test_anonymous_pledge_shows_anonymous_to_others(client, login, blankets_project):
    for viewer in (None, MemberFactory(), make_moderator(blankets_project.community)):
        client.logout()
        if viewer:
            login(viewer)
        page = text(client.get(blankets_project.get_absolute_url()))
        assert "shy_donor" not in page
        assert "anonymous" in page
        assert "@public_donor" in page


@pytest.mark.parametrize("viewer_handle", ["shy_donor", "lead_aghbar", "co_lead"])
@pytest.mark.django_db
def test_anonymous_pledge_shows_the_handle_to_its_donor_and_the_leads(client, login, blankets_project, viewer_handle):
    login(blankets_project.leads.model.objects.get(handle=viewer_handle))

    page = text(client.get(blankets_project.get_absolute_url()))

    assert '<a href="/@shy_donor">@shy_donor</a>' in page


@pytest.mark.django_db
def test_project_page_links_the_dashboard_for_leads_only(client, login, blankets_project):
    dashboard = reverse("pages:dashboard", kwargs={"slug": "aghbar"})

    assert dashboard not in text(client.get(blankets_project.get_absolute_url()))
    login(blankets_project.created_by)
    assert dashboard in text(client.get(blankets_project.get_absolute_url()))


@pytest.mark.django_db
def test_draft_is_404_for_others_and_visible_to_its_lead(client, login):
    draft = ProjectFactory(title="Brouillon", status=Project.Status.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404
    login(MemberFactory())
    assert client.get(draft.get_absolute_url()).status_code == 404
    login(draft.created_by)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Brouillon" in text(response)


@pytest.mark.django_db
def test_project_in_review_is_visible_to_the_community_moderators(client, login):
    project = ProjectFactory(status=Project.Status.IN_REVIEW)
    moderator = make_moderator(project.community)

    assert client.get(project.get_absolute_url()).status_code == 404
    login(moderator)
    assert client.get(project.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_unknown_project_is_404(client):
    assert client.get(reverse("pages:project", kwargs={"slug": "nothing-here"})).status_code == 404


@pytest.mark.django_db
def test_cancelled_project_shows_its_reason_and_what_happened_to_pledges(client, blankets_project):
    project_transition(
        project=blankets_project,
        actor=blankets_project.created_by,
        to_status=Project.Status.CANCELLED,
        note="La route est coupée jusqu'au printemps.",
    )

    page = text(client.get(blankets_project.get_absolute_url()))

    assert "La route est coupée jusqu&#x27;au printemps." in page
    assert "had not arrived yet were cancelled" in page
    assert "8 pièce received of 200 pièce" in page  # what arrived stays
    assert "/pledge/" not in page


@pytest.mark.django_db
def test_project_page_has_social_card_metadata(client, blankets_project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = text(client.get(blankets_project.get_absolute_url()))

    assert '<meta property="og:title" content="Vêtements chauds pour Aghbar">' in page
    assert '<meta property="og:description" content="Des couvertures pour l&#x27;hiver">' in page
    assert '<meta property="og:type" content="website">' in page
    assert '<meta property="og:url" content="http://testserver/p/aghbar/">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert 'name="twitter:title" content="Vêtements chauds pour Aghbar"' in page
    # The generated social card comes first (tests/test_sharing.py); the cover follows when there is one.
    assert '<meta property="og:image" content="http://testserver/p/aghbar/card.png?v=' in page
    assert "/media/" not in page

    blankets_project.cover_image = SimpleUploadedFile("cover.png", png_bytes(), content_type="image/png")
    blankets_project.save()
    page = text(client.get(blankets_project.get_absolute_url()))
    assert f'<meta property="og:image" content="http://testserver/media/{blankets_project.cover_image.name}">' in page


@pytest.mark.django_db
def test_project_page_renders_the_sanitised_story(client):
    project = ProjectFactory(story="We build **a classroom**.\n\n<script>alert('x')</script>")

    page = text(client.get(project.get_absolute_url()))

    assert "<strong>a classroom</strong>" in page
    assert "<script>alert" not in page


# --- No email anywhere --------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_public_page_shows_a_members_email(client, login, blankets_project):
    community = blankets_project.community
    make_moderator(community, MemberFactory(handle="moderator", email="moderator@private.example"))
    viewers = [None, blankets_project.created_by, MemberFactory(), *blankets_project.needs.get().pledges.all()]
    urls = [
        LIST_URL,
        blankets_project.get_absolute_url(),
        community.get_absolute_url(),
        "/@lead_aghbar",
        "/@public_donor",
        "/@shy_donor",
        "/@moderator",
    ]
    for viewer in viewers:
        client.logout()
        if viewer is not None:
            login(viewer.donor if isinstance(viewer, Pledge) else viewer)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert EMAIL_DOMAIN not in response.content, url


# --- The community page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_community_page_shows_moderators_members_and_public_projects(client):
    community = CommunityFactory(name="Twittoma", slug="twittoma", hashtag="Twittoma", description="Entraide")
    make_moderator(community, MemberFactory(handle="modo_one"))
    Membership.objects.create(community=community, member=MemberFactory())
    ProjectFactory(title="Classe ouverte", community=community)
    ProjectFactory(title="Brouillon", community=community, status=Project.Status.DRAFT)
    ProjectFactory(title="Ailleurs")

    response = client.get(community.get_absolute_url())

    page = text(response)
    assert "#Twittoma" in page
    assert '<a href="/@modo_one">@modo_one</a>' in page
    assert "2 members" in page
    assert titles(response) == ["Classe ouverte"]
    assert "Ailleurs" not in page
    assert 'class="bar"' in page


@pytest.mark.django_db
def test_unknown_community_is_404(client):
    assert client.get(reverse("pages:community", kwargs={"slug": "nobody"})).status_code == 404


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


# --- Query budgets ------------------------------------------------------------------------------------

LIST_QUERY_BUDGET = 6  # session, member, communities for the filter, count, page (+1 spare)
# session, member, project, leads, needs, supporters, milestones, the timeline's count (its page
# is not queried when empty), may the viewer read supporters-only entries (is a supporter? a
# moderator? at most 2; leads are prefetched) (+1 spare). tests/test_timeline.py counts a full page.
DETAIL_QUERY_BUDGET = 11


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


@pytest.mark.parametrize("viewer", ["anonymous", "donor", "lead", "moderator"])
@pytest.mark.django_db
def test_project_page_queries_do_not_grow_with_needs_or_pledges(client, login, django_assert_max_num_queries, viewer):
    lead = MemberFactory()
    project = ProjectFactory(created_by=lead)
    donors = MemberFactory.create_batch(10)
    viewers = {"donor": donors[0], "lead": lead, "moderator": make_moderator(project.community)}
    if viewer in viewers:
        login(viewers[viewer])

    def add_needs(count):
        for number in range(count):
            need = NeedFactory(project=project, cash=number % 2 == 0)
            pledge = PledgeFactory(
                need=need,
                donor=donors[number % len(donors)],
                channel=Pledge.Channel.MOBILE_MONEY if need.is_cash else Pledge.Channel.DROP_OFF,
                visibility=Pledge.Visibility.ANONYMOUS if number % 3 == 0 else Pledge.Visibility.PUBLIC,
            )
            ReceptionFactory(pledge=pledge, quantity=Decimal("1"))

    add_needs(5)
    few, _response = count_queries(client, project.get_absolute_url())
    add_needs(55)
    with django_assert_max_num_queries(DETAIL_QUERY_BUDGET):
        many, response = count_queries(client, project.get_absolute_url())

    assert project.needs.count() == 60
    assert Pledge.objects.filter(need__project=project).count() == 60
    assert len(response.context["supporters"]) == 60
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
