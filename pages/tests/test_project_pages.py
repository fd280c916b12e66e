"""The project page and the community page: who sees what (drafts, anonymous donors, the
dashboard link, no email anywhere), and a query budget that does not grow with needs or pledges."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import need_close
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from pages.tests.test_project_list import count_queries
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


def png_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 70, 31)).save(buffer, format="PNG")
    return buffer.getvalue()


def text(response):
    """The page's text with whitespace collapsed, for assertions on sentences."""
    return " ".join(response.content.decode().split())


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
    assert "<h3><bdi>Couverture</bdi></h3>" in page  # a heading, capitalised, in its own direction
    assert "8 pièces arrived</strong> of 200 pièces (4%)" in page
    assert "40 pièces pledged" in page
    assert "160 pièces still missing" in page
    assert "#Aghbar" in page
    assert reverse("donations:pledge", kwargs={"slug": "aghbar", "need_id": blankets.pk}) in page
    assert f'id="need-{blankets.pk}"' in page
    assert '<a href="/@lead_aghbar">@lead_aghbar</a>' in page
    assert '<a href="/@co_lead">@co_lead</a>' in page
    assert 'class="bar-received" width="4"' in page  # 8 of 200 received
    assert 'class="bar-pledged" width="20"' in page  # 40 of 200 pledged


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

    # The goal first, then what arrived, then what is pledged; whole amounts without decimals.
    assert "0 MAD received</strong> of 5,000 MAD (0%)" in page
    assert (
        "<dt>Goal</dt><dd>5,000 MAD</dd></div> <div><dt>Arrived</dt><dd>0 MAD</dd></div> "
        "<div><dt>Pledged</dt><dd>1,200 MAD</dd></div> <div><dt>Still missing</dt><dd>3,800 MAD</dd>"
    ) in page


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
    assert "8 pièces arrived</strong> of 200 pièces" in page  # what arrived stays
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


# --- Query budgets ------------------------------------------------------------------------------------

# session, member, project, leads, needs, supporters, milestones, the timeline's count (its page
# is not queried when empty), may the viewer read supporters-only entries (is a supporter? a
# moderator? at most 2; leads are prefetched) (+1 spare). publishing/tests/test_timeline.py counts
# a full page.
DETAIL_QUERY_BUDGET = 11


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
    assert len(response.context["supporters"]) == 20  # the latest; the rest on the supporters' page
    assert response.context["more_supporters"]
    assert few == many


# --- Supporters: the latest on the project's page, every pledge on its own page ---------------------


@pytest.mark.django_db
def test_the_project_page_shows_the_latest_supporters_and_links_to_every_pledge(client, in_english):
    project = ProjectFactory(slug="bibliotheque", status="open")
    books = NeedFactory(project=project, label="Livres")
    for number in range(55):
        PledgeFactory(need=books, donor__handle=f"lectrice_{number:02d}")

    page = client.get("/p/bibliotheque/").content.decode()
    shown = [number for number in range(55) if f"@lectrice_{number:02d}<" in page]
    assert shown == list(range(35, 55))  # the 20 latest
    assert 'href="/p/bibliotheque/supporters/"' in page

    first = client.get("/p/bibliotheque/supporters/").content.decode()
    second = client.get("/p/bibliotheque/supporters/?page=2").content.decode()
    assert "55 pledges standing, latest first." in first
    assert [number for number in range(55) if f"@lectrice_{number:02d}<" in first] == list(range(5, 55))
    assert [number for number in range(55) if f"@lectrice_{number:02d}<" in second] == list(range(5))
    assert "Page 1 of 2" in first


@pytest.mark.django_db
def test_a_project_with_few_pledges_links_to_no_other_page(client, in_english):
    project = ProjectFactory(slug="puits", status="open")
    PledgeFactory.create_batch(20, need=NeedFactory(project=project))

    assert "/p/puits/supporters/" not in client.get("/p/puits/").content.decode()


@pytest.mark.django_db
def test_the_supporters_page_of_a_draft_is_not_found(client):
    ProjectFactory(slug="brouillon", status="draft")

    assert client.get("/p/brouillon/supporters/").status_code == 404
