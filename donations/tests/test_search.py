"""Searching projects by their words (donations/search.py, core/search_words.py): plurals, accents
and case aside, every significant word found, on the home page and in the API alike, the same on
SQLite and PostgreSQL, and never stale after the words change."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.search_words import QUERY_LENGTH_MAX, QUERY_WORDS_MAX, query_stems, search_text
from donations.models import Need, ProjectSearch
from donations.search import refresh_all_search
from donations.services import need_close, need_create, need_update
from donations.tests.factories import NeedFactory
from projects.models import Project
from projects.services import project_create_draft, project_update
from projects.tests.factories import CommunityFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HOME = reverse("pages:home")
API = "/api/v1/projects/"
CARD_LINK = re.compile(r'<h3 class="card-title"><a href="/p/([\w-]+)/"')


@pytest.fixture
def catalogue():
    """Four public projects with words in every place the search looks: the demo's blankets project
    (a need "couverture" counted in "pièce"), a school, a food aid in English and a roof."""
    aghbar = ProjectFactory(
        title="Vêtements chauds pour Aghbar",
        slug="aghbar",
        summary="Couvertures, manteaux et chaussures pour les 146 familles d'un village du Haut Atlas.",
        village="Aghbar",
        region="Al Haouz",
        hashtag="HiverAghbar",
    )
    NeedFactory(project=aghbar, label="couverture", unit="pièce")
    tighzit = ProjectFactory(
        title="Classe préscolaire de Tighzit",
        slug="tighzit",
        summary="Une classe pour les enfants du village",
        village="Tighzit",
        region="Al Haouz",
        hashtag="ClasseTighzit",
    )
    NeedFactory(project=tighzit, label="cartable", unit="pièce")
    NeedFactory(project=tighzit, label="jeu éducatif", unit="boîte")
    lome = ProjectFactory(
        title="Winter kits in Lomé",
        slug="lome",
        summary="Blankets and boxes of food for the families",
        village="Lomé",
        region="Maritime",
        country="TG",
        hashtag="InstantRésilience",
    )
    NeedFactory(project=lome, label="sac de riz", unit="sac")
    kara = ProjectFactory(
        title="Toiture de l'ecole de Kara",
        slug="kara",
        summary="Des tôles, et une trousse de premiers secours",
        village="Kara",
        region="Kara",
        country="TG",
        hashtag="",
    )
    NeedFactory(project=kara, cash=True)
    return {"aghbar": aghbar, "tighzit": tighzit, "lome": lome, "kara": kara}


def found_on_page(client, query, field="q"):
    """The slugs of the projects the home page lists, read from its cards (a page served from the
    shared cache has no template context)."""
    response = client.get(HOME, {field: query})
    assert response.status_code == 200
    return set(CARD_LINK.findall(response.content.decode()))


def found_in_api(client, query, field="q"):
    response = client.get(API, {field: query, "page_size": 50})
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


# --- What finds what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["couvertures", "Couverture", "couvertures d'hiver", "COUVERTURES D’HIVER", "les couvertures pour l'hiver"]
)
def test_the_blankets_project_is_found_by_its_need_whatever_the_number_case_or_stop_words(client, catalogue, query):
    assert found_on_page(client, query) == {"aghbar"}
    assert found_in_api(client, query) == {"aghbar"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cartables", {"tighzit"}),  # a need's label, plural typed, singular stored
        ("cartable", {"tighzit"}),
        ("jeux", {"tighzit"}),  # French plural in -x
        ("boîtes", {"tighzit"}),  # a need's unit
        ("pièces", {"aghbar", "tighzit"}),
        ("blanket", {"lome"}),  # English plural stored, singular typed
        ("box", {"lome"}),
        ("riz", {"lome"}),
        ("sacs", {"lome"}),
        ("écoles", {"kara"}),  # accents aside both ways: "ecole" stored without its accent
        ("École", {"kara"}),
        ("tole", {"kara"}),
        ("lome", {"lome"}),  # the place
        ("haouz", {"aghbar", "tighzit"}),
        ("InstantRes", {"lome"}),  # the start of a hashtag
        ("résilience", {"lome"}),  # a word inside a camel-case hashtag
        ("hiver", {"aghbar"}),
        ("secours", {"kara"}),
        ("ours", set()),  # a word is matched from its start: "ours" is not in "secours"
        ("zqx", set()),
    ],
)
def test_a_word_is_found_in_the_title_summary_place_hashtag_or_a_need(client, catalogue, query, expected):
    assert found_on_page(client, query) == expected
    assert found_in_api(client, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cartables Tighzit", {"tighzit"}),
        ("Haouz couvertures", {"aghbar"}),
        # Each word is somewhere, but not both in one project.
        ("cartables Aghbar", set()),
        ("couvertures zqx", set()),
    ],
)
def test_every_word_of_a_search_must_be_found(client, catalogue, query, expected):
    assert found_on_page(client, query) == expected
    assert found_in_api(client, query) == expected


def test_a_search_of_stop_words_only_filters_nothing(client, catalogue):
    assert found_on_page(client, "de la") == set(catalogue)
    assert found_in_api(client, "the of") == set(catalogue)


def test_words_beyond_the_eighth_are_ignored(client, catalogue):
    eight = "couvertures hiver Aghbar vêtements chauds Haut Atlas familles"

    assert len(query_stems(eight + " zqx")) == QUERY_WORDS_MAX == 8
    assert found_on_page(client, eight + " zqx") == {"aghbar"}
    assert found_on_page(client, "zqx " + eight) == set()


def test_a_search_longer_than_the_box_is_ignored_on_the_page_and_refused_by_the_api(client, catalogue):
    too_long = "couverture " * 10

    assert len(too_long) > QUERY_LENGTH_MAX
    response = client.get(HOME, {"q": too_long})
    assert "q" in response.context["form"].errors
    assert found_on_page(client, too_long) == set(catalogue)
    assert client.get(API, {"q": too_long}).status_code == 400


@pytest.mark.parametrize(("query", "expected"), [("couvertures", {"aghbar"}), ("Cartables", {"tighzit"})])
def test_the_item_filter_finds_an_open_material_need_by_its_words_too(client, catalogue, query, expected):
    assert found_on_page(client, query, field="item") == expected
    assert found_in_api(client, query, field="item") == expected
    # The place is not an item.
    assert found_on_page(client, "Aghbar", field="item") == set()


def test_a_search_costs_the_same_queries_as_the_whole_list(client, catalogue):
    with CaptureQueriesContext(connection) as whole_list:
        client.get(HOME)
    with CaptureQueriesContext(connection) as searched:
        client.get(HOME, {"q": "couvertures d'hiver", "item": "couvertures"})
    with CaptureQueriesContext(connection) as whole_api_list:
        client.get(API)
    with CaptureQueriesContext(connection) as searched_api:
        client.get(API, {"q": "couvertures d'hiver", "item": "couvertures"})

    assert len(searched) == len(whole_list)
    assert len(searched_api) == len(whole_api_list)


# --- The stems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("couvertures", "couverture"),
        ("cartables", "cartable"),
        ("jeux", "jeu"),
        ("seaux", "seau"),
        ("journaux", "journal"),
        ("travaux", "travail"),
        ("écoles", "ecole"),
        ("classes", "classe"),
        ("matelas", "matelas"),
        ("blankets", "blanket"),
        ("boxes", "box"),
        ("glasses", "glass"),
        ("batteries", "battery"),
        ("children", "child"),
        ("Œufs", "oeuf"),
    ],
)
def test_a_plural_and_its_singular_have_one_stem(plural, singular):
    assert query_stems(plural) == query_stems(singular)
    assert len(query_stems(plural)) == 1


def test_stored_words_are_folded_stems_each_once_at_the_start_of_a_word():
    assert search_text("Couvertures d'hiver", "couverture", "#HiverAghbar") == " couvertur hiver hiveraghbar aghbar"
    # Arabic: its short vowels are combining marks, folded away.
    assert search_text("كُتُب") == search_text("كتب") == " كتب"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("مدرسة", "المدرسة"),  # the article
        ("المدرسه", "مدرسة"),  # ta marbuta typed as ha
        ("للمدرسة", "مدرسة"),  # the article after a preposition
        ("مَدْرَسَة", "مدرسة"),  # the short vowels
        ("أطفال", "اطفال"),  # alef with or without its hamza
        ("مستشفي", "مستشفى"),  # alef maqsura typed as ya
        ("مشروع", "مشروعات"),  # a sound plural
    ],
)
def test_arabic_spellings_of_one_word_have_one_stem(typed, written):
    assert query_stems(typed) == query_stems(written)
    assert len(query_stems(typed)) == 1


@pytest.mark.parametrize("query", ["بئر", "البِئْرُ", "تيزي", "خزان الماء", "water"])
def test_an_arabic_project_is_found_with_or_without_its_diacritics_on_the_page_and_in_the_api(client, query):
    ProjectFactory(title="بِئْرٌ لِقَرْيَةِ تيزي", slug="tizi", summary="خزّان الماء للأطفال والعائلات", hashtag="WaterTizi")
    ProjectFactory(title="مدرسة أغبار", slug="aghbar-ar", summary="كتب ودفاتر")

    assert found_on_page(client, query) == {"tizi"}
    assert found_in_api(client, query) == {"tizi"}


# --- Kept up to date ---------------------------------------------------------------------------


def stored(project):
    return ProjectSearch.objects.get(project=project)


def test_a_new_project_and_its_needs_are_found_at_once(client):
    community = CommunityFactory()
    lead = ProjectFactory().created_by
    project = project_create_draft(
        creator=lead, community=community, title="Puits de Tinghir", country="MA", category="water", currency="MAD"
    )
    assert stored(project).text == " puit tinghir"

    need_create(project=project, actor=lead, kind=Need.Kind.MATERIAL, label="Seaux", unit="pièce", target_quantity="20")
    assert stored(project).items == " seau"
    Project.objects.filter(pk=project.pk).update(status=Project.Status.OPEN)
    assert found_on_page(client, "seau Tinghir") == {project.slug}


def test_the_stored_words_follow_an_edit_of_the_project_or_of_a_need(
    client, catalogue, settings, django_capture_on_commit_callbacks
):
    # The shared caches on: a search read before a change is not served after it.
    settings.PAGE_CACHE = True
    settings.API_RESPONSE_CACHE = True
    aghbar = catalogue["aghbar"]
    lead = aghbar.created_by
    need = aghbar.needs.get()
    assert found_on_page(client, "Imlil") == found_in_api(client, "Imlil") == set()
    assert found_on_page(client, "couvertures") == found_in_api(client, "couvertures") == {"aghbar"}
    with CaptureQueriesContext(connection) as repeated:
        assert found_on_page(client, "couvertures") == found_in_api(client, "couvertures") == {"aghbar"}
    assert len(repeated) == 0  # both from the shared cache

    with django_capture_on_commit_callbacks(execute=True):
        project_update(project=aghbar, actor=lead, title="Vêtements chauds pour Imlil", summary="")
        need_update(need=need, actor=lead, kind="material", label="Manteaux", unit="pièce", target_quantity="50")

    words = ["vetement", "chaud", "imlil", "aghbar", "al", "haouz", "hiveraghbar", "hiver", "manteau", "piec"]
    assert stored(aghbar).text.split() == words
    assert found_on_page(client, "Imlil") == found_in_api(client, "Imlil") == {"aghbar"}
    assert found_on_page(client, "couvertures") == found_in_api(client, "couvertures") == set()
    assert found_on_page(client, "manteau", field="item") == found_in_api(client, "manteau", field="item") == {"aghbar"}

    with django_capture_on_commit_callbacks(execute=True):
        need_close(need=need, actor=lead)

    # A closed need is no longer an item needed; the project is still found by its words.
    assert stored(aghbar).items == ""
    assert found_on_page(client, "manteau", field="item") == found_in_api(client, "manteau", field="item") == set()
    assert found_on_page(client, "manteaux") == found_in_api(client, "manteaux") == {"aghbar"}


def admin_change(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def management_forms(response):
    """The inline formsets' management data a change form posts back."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def test_corrections_in_the_admin_are_found_at_once(client, catalogue):
    operator = Client()
    operator.force_login(MemberFactory(is_staff=True, is_superuser=True))
    tighzit = catalogue["tighzit"]
    cartable, game = tighzit.needs.order_by("position")
    page = operator.get(admin_change(Project, tighzit.pk))

    response = operator.post(
        admin_change(Project, tighzit.pk),
        {
            "title": "Classe de Tizi",
            "leads": [lead.pk for lead in tighzit.leads.all()],
            "summary": tighzit.summary,
            "story": tighzit.story,
            "category": tighzit.category,
            "hashtag": tighzit.hashtag,
            "village": tighzit.village,
            "region": tighzit.region,
            "country": tighzit.country,
            **management_forms(page),
            **{
                f"needs-{index}-{name}": value
                for index, need in enumerate([cartable, game])
                for name, value in {"id": need.pk, "project": tighzit.pk, "position": need.position}.items()
            },
            "needs-0-label": "cartable en cuir",
            "needs-1-label": game.label,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert found_on_page(client, "Tizi cuir") == {"tighzit"}

    response = operator.post(admin_change(Need, game.pk), {"label": "ballons", "position": game.position})
    assert response.status_code == 302
    assert found_on_page(client, "ballon") == {"tighzit"}
    assert found_on_page(client, "jeux") == set()


def test_refresh_all_search_writes_every_project_s_words_again(client, catalogue):
    ProjectSearch.objects.all().delete()
    assert found_on_page(client, "couvertures") == set()

    refresh_all_search()

    assert ProjectSearch.objects.count() == len(catalogue)
    assert found_on_page(client, "couvertures") == {"aghbar"}


def test_the_load_data_has_its_search_words():
    call_command("generate_load_data", projects=12, pledges=30, communities=2, stdout=StringIO())

    load_projects = Project.objects.filter(slug__startswith="load-")
    assert ProjectSearch.objects.filter(project__in=load_projects).count() == 12
    for project in load_projects.prefetch_related("needs"):
        words = ProjectSearch.objects.get(project=project).text
        assert all(f" {stem}" in words for need in project.needs.all() for stem in query_stems(need.label))
