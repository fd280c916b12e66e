"""Sharing a project: its progress badge (SVG), its social card (PNG), its meta tags and share link."""

import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.utils import translation
from PIL import Image

from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing import selectors
from publishing.social_card import ACCENT, BACKGROUND, WIDTH, card_content, line_runs

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client(client):
    # Texts in English: the translations are written separately.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def project():
    community = CommunityFactory(name="Twittoma", hashtag="Twittoma")
    project = ProjectFactory(
        community=community, title="Classe de Tighzit", slug="tighzit", hashtag="TighzitClasse", currency="MAD"
    )
    NeedFactory(project=project, cash=True, label="Fonds de construction", target_quantity=Decimal("40000"))
    NeedFactory(project=project, label="pupitre", unit="pièce", target_quantity=Decimal("30"))
    return project


def cash_pledge(project, amount):
    return PledgeFactory(need=project.needs.get(kind="cash"), quantity=Decimal(amount), channel="bank_transfer")


def badge(client, slug="tighzit"):
    response = client.get(f"/p/{slug}/badge.svg")
    assert response.status_code == 200
    return response, ET.fromstring(response.content)


def badge_text(svg):
    return [text.text for text in svg.iter(f"{SVG}text")]


@pytest.mark.django_db
def test_badge_is_svg_whose_percentage_follows_receptions(client, project):
    pledge = cash_pledge(project, "20000")
    response, svg = badge(client)
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg.tag == f"{SVG}svg"
    assert badge_text(svg) == ["Tiwizi", "0 % received"]

    # 10 000 of the 40 000 MAD cash goal arrived: 25 %, whatever the material needs.
    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("10000"))
    _, svg = badge(client)
    assert badge_text(svg) == ["Tiwizi", "25 % received"]
    assert svg.findtext(f"{SVG}title") == "Classe de Tighzit: 25 % received"


@pytest.mark.django_db
def test_badge_of_a_material_only_project_is_the_mean_of_its_needs(client):
    project = ProjectFactory(slug="aghbar")
    blankets = NeedFactory(project=project, target_quantity=Decimal("200"))
    NeedFactory(project=project, label="sac de ciment", unit="sac", target_quantity=Decimal("10"))
    pledge = PledgeFactory(need=blankets, quantity=Decimal("100"))
    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("100"))

    _, svg = badge(client, "aghbar")

    assert badge_text(svg) == ["Tiwizi", "25 % received"]  # (50 % + 0 %) / 2


@pytest.mark.django_db
def test_badge_escapes_the_title_and_has_cache_headers_and_an_etag(client, project):
    Project.objects.filter(pk=project.pk).update(title='Classe <"A&B">')
    response, svg = badge(client)

    assert svg.get("aria-label") == 'Classe <"A&B">: 0 % received'
    assert response["Cache-Control"] == "max-age=300, public"
    etag = response["ETag"]
    assert client.get("/p/tighzit/badge.svg", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_badge_of_a_draft_is_not_found_for_anyone_but_who_may_see_it(client, login):
    project = ProjectFactory(slug="brouillon", status=Project.Status.DRAFT)

    assert client.get("/p/brouillon/badge.svg").status_code == 404
    assert login(project.created_by).get("/p/brouillon/badge.svg").status_code == 200


def card(client):
    response = client.get("/p/tighzit/card.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    return response, response.content


@pytest.mark.django_db
def test_social_card_is_a_1200_by_630_png(client, project, media):
    response, png = card(client)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    assert response["Cache-Control"] == "max-age=300, public"
    assert [path.name for path in (media / "cards").iterdir()] == [f"{project.pk}-en-{response['ETag'][1:-1]}.png"]


@pytest.mark.django_db
def test_social_card_is_drawn_again_only_when_progress_changes(client, project, media):
    pledge = cash_pledge(project, "20000")
    first_response, first = card(client)
    (first_file,) = (media / "cards").iterdir()
    drawn_at = first_file.stat().st_mtime_ns

    # Nothing changed: the same file is served, not drawn again.
    again_response, again = card(client)
    assert again == first
    assert again_response["ETag"] == first_response["ETag"]
    assert first_file.stat().st_mtime_ns == drawn_at
    assert client.get("/p/tighzit/card.png", HTTP_IF_NONE_MATCH=first_response["ETag"]).status_code == 304

    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("10000"))
    changed_response, changed = card(client)

    assert changed != first
    assert changed_response["ETag"] != first_response["ETag"]
    # The older card is removed: one file per project (and language).
    (changed_file,) = (media / "cards").iterdir()
    assert changed_file != first_file
    assert Image.open(io.BytesIO(changed)).size == (1200, 630)


@pytest.mark.django_db
def test_page_points_networks_at_the_current_card(client, project):
    page = client.get("/p/tighzit/").content.decode()
    _, png = card(client)
    etag = client.get("/p/tighzit/card.png")["ETag"][1:-1]

    assert f'<meta property="og:image" content="http://testserver/p/tighzit/card.png?v={etag}">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    assert f'<meta name="twitter:image" content="http://testserver/p/tighzit/card.png?v={etag}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    # The versioned URL may be kept long by caches: its content never changes.
    assert client.get(f"/p/tighzit/card.png?v={etag}")["Cache-Control"] == "max-age=604800, public"


@pytest.mark.django_db
def test_page_card_url_is_read_without_drawing_or_extra_queries(client, project, media):
    client.get("/p/tighzit/")
    assert not (media / "cards").exists()


@pytest.mark.django_db
def test_share_link_opens_a_post_with_the_encoded_url_title_and_hashtag(client, project):
    page = client.get("/p/tighzit/").content.decode()

    url = quote("http://testserver/p/tighzit/", safe="")
    expected = (
        f"https://twitter.com/intent/tweet?text={quote('Classe de Tighzit', safe='')}&amp;url={url}"
        "&amp;hashtags=TighzitClasse"
    )
    assert f'href="{expected}"' in page
    assert 'value="http://testserver/p/tighzit/"' in page  # the link to copy


@pytest.mark.django_db
def test_project_page_offers_the_badge_snippet_and_the_report(client, project):
    page = client.get("/p/tighzit/").content.decode()

    assert "[![Tiwizi: Classe de Tighzit](http://testserver/p/tighzit/badge.svg)](http://testserver/p/tighzit/)" in page
    assert 'href="/p/tighzit/report.pdf"' in page


@pytest.mark.django_db
def test_social_card_shows_three_needs_and_counts_the_others_when_there_are_more_than_four(project):
    for number in range(3):
        NeedFactory(project=project, label=f"article {number}", target_quantity=Decimal("10"))

    # The card is drawn in the active language (the request's): English here, for the texts.
    with translation.override("en"):
        content = card_content(selectors.project_detail(slug="tighzit"))

    assert [bar["label"] for bar in content["bars"]] == ["Fonds de construction", "pupitre", "article 0"]
    assert content["bars"][0]["figure"] == "0 of 40,000 MAD received"
    assert content["more"] == "and 2 other needs on the project page"
    assert content["hashtag"] == "#TighzitClasse"


@pytest.mark.django_db
def test_social_card_is_in_the_visitors_language_one_file_per_language(client, project, media):
    english_response, english = card(client)
    arabic_response = client.get("/p/tighzit/card.png", HTTP_ACCEPT_LANGUAGE="ar")
    arabic = arabic_response.content

    assert arabic != english and arabic_response["ETag"] != english_response["ETag"]
    # Drawing one language's card leaves the other's: each is kept, under its language.
    names = sorted(path.name for path in (media / "cards").iterdir())
    assert names == sorted(
        f"{project.pk}-{language}-{response['ETag'][1:-1]}.png"
        for language, response in (("ar", arabic_response), ("en", english_response))
    )
    # Right to left, the card is the other's in a mirror: its accent stripe on the right.
    english_image, arabic_image = (Image.open(io.BytesIO(png)).convert("RGB") for png in (english, arabic))
    accent = Image.new("RGB", (1, 1), ACCENT).getpixel((0, 0))
    background = Image.new("RGB", (1, 1), BACKGROUND).getpixel((0, 0))
    assert english_image.getpixel((5, 300)) == accent and english_image.getpixel((WIDTH - 5, 300)) == background
    assert arabic_image.getpixel((WIDTH - 5, 300)) == accent and arabic_image.getpixel((5, 300)) == background


@pytest.mark.django_db
def test_social_card_in_arabic_reads_its_amounts_left_to_right(project):
    with translation.override("ar"):
        content = card_content(selectors.project_detail(slug="tighzit"))
    figure = content["bars"][0]["figure"]

    assert "40.000 MAD" in figure
    # Drawn from the right: the Arabic words, each figure left to right, "40.000 MAD" as one amount.
    runs = line_runs(figure, right_to_left=True)
    assert ("40.000 MAD", "ltr") in runs
    assert [direction for _text, direction in runs].count("rtl") >= 1
    # A French line keeps its order, an Arabic title inside it read right to left.
    assert line_runs("Reçu : 5 000 sur 40 000 MAD", right_to_left=False) == [("Reçu : 5 000 sur 40 000 MAD", "ltr")]
    assert line_runs("Puits de بئر 2 للقرية", right_to_left=False) == [("Puits de", "ltr"), ("بئر 2 للقرية", "rtl")]


@pytest.mark.django_db
def test_social_card_of_a_project_without_needs_is_drawn(client):
    ProjectFactory(slug="tighzit", hashtag="")

    _, png = card(client)

    assert Image.open(io.BytesIO(png)).size == (1200, 630)


@pytest.mark.django_db
def test_card_and_badge_of_a_draft_are_private_to_who_may_see_it(client, login):
    project = ProjectFactory(slug="tighzit", status=Project.Status.DRAFT)

    assert client.get("/p/tighzit/card.png").status_code == 404
    lead = login(project.created_by)
    assert "private" in lead.get("/p/tighzit/card.png")["Cache-Control"]
    assert "private" in lead.get("/p/tighzit/badge.svg")["Cache-Control"]


@pytest.mark.django_db
def test_card_and_badge_read_a_fixed_number_of_queries(client, project, django_assert_num_queries):
    for number in range(6):
        need = NeedFactory(project=project, label=f"article {number}", target_quantity=Decimal("10"))
        PledgeFactory(need=need, quantity=Decimal("4"))

    # The project with its progress, its leads, its needs with theirs.
    with django_assert_num_queries(3):
        card(client)
    with django_assert_num_queries(1):
        badge(client)
