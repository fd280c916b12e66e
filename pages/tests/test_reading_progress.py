"""Progress read at a glance: the goal first, whole amounts without decimals, units in the plural
when the number asks for it, a percentage and a legend, a "Pledge" button at the top of a
project's page and none on a need with nothing missing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.formatting import in_unit, money, percent
from donations.models import Pledge, default_unit_plural
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("fr", "0", "0 pièce"),
        ("fr", "1", "1 pièce"),
        ("fr", "1.5", "1,50 pièce"),
        ("fr", "3", "3 pièces"),
        ("en", "1", "1 pièce"),
        ("en", "0", "0 pièces"),
        ("en", "3", "3 pièces"),
    ],
)
def test_a_unit_takes_the_plural_its_language_asks_for(language, value, expected):
    with translation.override(language):
        assert in_unit(Decimal(value), "pièce", "pièces") == expected


@pytest.mark.parametrize(
    ("unit", "plural"),
    [("pièce", "pièces"), ("sac de ciment", "sacs de ciment"), ("seau", "seaux"), ("jeu", "jeux")]
    + [("kg", "kg"), ("m²", "m²"), ("litres", "litres"), ("colis", "colis"), ("", "")],
)
def test_the_usual_plural_of_a_unit(unit, plural):
    assert default_unit_plural(unit) == plural


def test_whole_amounts_lose_their_zero_decimals_and_percentages_read_as_each_language_writes_them():
    with translation.override("fr"):
        assert money(Decimal("20500"), "MAD") == "20\u00a0500 MAD"
        assert money(Decimal("1500.50"), "MAD").endswith(",50 MAD")
        assert percent(Decimal("15.7")) == "15\u00a0%"
    with translation.override("en"):
        assert money(Decimal("9000"), "MAD") == "9,000 MAD"
        assert percent(15) == "15%"


def test_a_lead_s_own_plural_is_used(client, in_english):
    need = NeedFactory(label="cheval", unit="cheval", target_quantity=Decimal("4"))
    need.unit_plural = "chevaux"
    need.save()
    assert "4 chevaux" in text(client.get(need.project.get_absolute_url()))


def test_the_project_page_offers_to_give_at_the_top_but_not_on_a_need_with_nothing_missing(client, in_english):
    project = ProjectFactory()
    full = NeedFactory(project=project, label="couverture", target_quantity=Decimal("10"))
    PledgeFactory(need=full, quantity=Decimal("10"))
    open_need = NeedFactory(project=project, label="cartable", unit="pièce", target_quantity=Decimal("10"))

    page = text(client.get(project.get_absolute_url()))

    assert page.index('class="button give" href="#needs"') < page.index('id="needs"')
    assert reverse("donations:pledge", args=[project.slug, open_need.pk]) in page
    assert reverse("donations:pledge", args=[project.slug, full.pk]) not in page
    assert "Everything needed is pledged: thank you!" in page


def test_a_material_only_card_shows_its_figure_and_every_bar_a_legend(client, in_english):
    project = ProjectFactory(title="Couvertures pour Aghbar")
    need = NeedFactory(project=project, target_quantity=Decimal("200"))
    pledge = PledgeFactory(need=need, quantity=Decimal("60"), channel=Pledge.Channel.DROP_OFF)
    ReceptionFactory(pledge=pledge, quantity=Decimal("30"))

    page = text(client.get(reverse("pages:home")))

    assert "15% of the goods arrived" in page
    assert "pledged, on its way" in page


def test_the_home_page_says_what_tiwizi_is_and_folds_its_filters(client, in_english):
    page = text(client.get(reverse("pages:home")))
    assert page.index('class="pitch"') < page.index("<h1>")
    assert '<details class="filters-fold">' in page  # folded until a filter is used
    assert '<details class="filters-fold" open>' in text(client.get(reverse("pages:home"), {"country": "MA"}))
