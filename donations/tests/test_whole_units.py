"""Material needs counted in whole units: 1.5 blankets is refused (pledge, reception, the need's own
goal), on the page and in the service, while 2.5 kg of cement is accepted. A need says so itself
(Need.whole_units), chosen by its lead, or from its unit when not given. The API's side:
api/tests/test_api_limits.py."""

import importlib
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from donations import services
from donations.models import Need, Pledge, Reception, counted_whole
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

WHOLE_MESSAGE = "This need is counted in whole units (pièce): enter a whole number, such as 1 or 2."


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def blankets(project):
    return NeedFactory(project=project, label="couverture", unit="pièce", whole_units=True)


@pytest.fixture
def cement(project):
    return NeedFactory(project=project, label="ciment", unit="kg", whole_units=False)


def post_pledge(client, need, quantity):
    return client.post(
        reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk}),
        {"quantity": quantity, "channel": Pledge.Channel.DROP_OFF, "visibility": Pledge.Visibility.PUBLIC},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_one_and_a_half_blankets_are_refused_on_the_pledge_page(login, blankets):
    response = post_pledge(login(MemberFactory()), blankets, "1,5")

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [WHOLE_MESSAGE]
    assert not Pledge.objects.exists()


def test_two_blankets_and_two_and_a_half_kg_are_accepted_on_the_pledge_page(login, blankets, cement):
    client = login(MemberFactory())

    assert post_pledge(client, blankets, "2").status_code == 302
    assert post_pledge(client, cement, "2,5").status_code == 302

    assert sorted(Pledge.objects.values_list("need__label", "quantity")) == [
        ("ciment", Decimal("2.50")),
        ("couverture", Decimal("2")),
    ]


def test_the_pledge_page_asks_for_digits_only_when_counted_whole(login, blankets, cement):
    client = login(MemberFactory())

    whole = client.get(reverse("donations:pledge", kwargs={"slug": blankets.project.slug, "need_id": blankets.pk}))
    measured = client.get(reverse("donations:pledge", kwargs={"slug": cement.project.slug, "need_id": cement.pk}))

    assert 'inputmode="numeric"' in whole.content.decode()
    assert 'inputmode="decimal"' in measured.content.decode()


def test_a_reception_of_half_a_blanket_is_refused(blankets):
    pledge = PledgeFactory(need=blankets, quantity=Decimal("3"))

    with pytest.raises(DomainError) as refused:
        services.reception_record(pledge=pledge, actor=blankets.project.created_by, quantity="1.5")

    assert refused.value.field == "quantity"
    assert not Reception.objects.exists()
    reception = services.reception_record(pledge=pledge, actor=blankets.project.created_by, quantity="2")
    assert reception.quantity == Decimal("2")


def test_a_reception_of_two_and_a_half_kg_is_accepted(cement):
    pledge = PledgeFactory(need=cement, quantity=Decimal("10"))

    reception = services.reception_record(pledge=pledge, actor=cement.project.created_by, quantity="2,5")

    assert reception.quantity == Decimal("2.5")


def test_the_lead_says_on_the_need_form_whether_it_is_counted_whole(login, project):
    client = login(project.created_by)
    url = reverse("donations:need_add", kwargs={"slug": project.slug})
    page = client.get(url).content.decode()
    assert 'name="whole_units"' in page and "checked" in page.split('name="whole_units"')[1].split(">")[0]

    client.post(
        url, {"kind": "material", "label": "couverture", "unit": "pièce", "target_quantity": "200", "whole_units": "on"}
    )
    client.post(url, {"kind": "material", "label": "ciment", "unit": "kg", "target_quantity": "500"})
    half = client.post(
        url,
        {"kind": "material", "label": "pupitre", "unit": "pièce", "target_quantity": "12,5", "whole_units": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert sorted(project.needs.values_list("label", "whole_units")) == [("ciment", False), ("couverture", True)]
    assert half.context["form"].errors["target_quantity"] == [WHOLE_MESSAGE]


def test_a_cash_need_is_never_counted_in_whole_units(project):
    need = services.need_create(
        project=project,
        actor=project.created_by,
        kind="cash",
        label="Fonds",
        target_quantity="1500.50",
        whole_units=True,
    )

    assert need.whole_units is False
    assert need.decimal_places == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(whole_units=True)


@pytest.mark.parametrize(
    ("unit", "whole"),
    [("pièce", True), ("sac", True), ("paire", True), ("kit", True), ("kg", False), ("KG", False)]
    + [("m²", False), ("litres", False), ("t", False), ("m3", False)],
)
def test_a_need_not_told_is_counted_whole_unless_its_unit_is_a_measure(project, unit, whole):
    need = services.need_create(
        project=project, actor=project.created_by, kind="material", label="x", unit=unit, target_quantity="10"
    )

    assert counted_whole(unit) is whole
    assert need.whole_units is whole


def test_existing_needs_become_whole_only_when_everything_recorded_on_them_is(project):
    migration = importlib.import_module("donations.migrations.0004_need_whole_units_from_existing_quantities")
    pieces = NeedFactory(project=project, unit="pièce")
    halves = NeedFactory(project=project, unit="pièce")
    received_half = NeedFactory(project=project, unit="pièce")
    measured = NeedFactory(project=project, unit="kg")
    fractional_goal = NeedFactory(project=project, unit="pièce", target_quantity=Decimal("12.5"))
    cash = NeedFactory(project=project, cash=True)
    PledgeFactory(need=pieces, quantity=Decimal("3"))
    PledgeFactory(need=halves, quantity=Decimal("1.5"))
    ReceptionFactory(pledge=PledgeFactory(need=received_half, quantity=Decimal("2")), quantity=Decimal("0.5"))
    PledgeFactory(need=measured, quantity=Decimal("10"))
    Need.objects.update(whole_units=False)

    migration.mark_whole_needs(apps, None)

    flags = dict(Need.objects.values_list("pk", "whole_units"))
    assert flags == {
        pieces.pk: True,
        halves.pk: False,
        received_half.pk: False,
        measured.pk: False,
        fractional_goal.pk: False,
        cash.pk: False,
    }


def test_the_demo_counts_blankets_and_desks_whole_and_land_and_steel_not():
    demo = tomllib.loads((Path(__file__).resolve().parents[2] / "demo" / "demo.toml").read_text())
    needs = {need["label"]: need for project in demo["projects"] for need in project["needs"]}

    assert needs["couverture"]["whole_units"] is True
    assert needs["pupitre"]["whole_units"] is True
    assert needs["sac de ciment"]["whole_units"] is True
    assert needs["terrain"]["whole_units"] is False
    assert needs["fer à béton"]["whole_units"] is False
    material = [need for need in needs.values() if need["kind"] == "material"]
    assert all("whole_units" in need for need in material)
