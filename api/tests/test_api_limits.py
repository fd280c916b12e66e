"""The API's side of the limits: texts at their maximum length accepted and one character more
refused, numbers read deliberately (digits 0 to 9, "." for decimals), needs counted whole, the
number of needs per project; always in the API's error shape, and nothing saved when refused."""

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from donations.limits import NEEDS_PER_PROJECT_MAX
from donations.models import Need, Pledge
from donations.tests.factories import NeedFactory
from projects.limits import STORY_MAX, TRANSITION_NOTE_MAX
from projects.models import Project, ProjectTransition
from projects.tests.factories import CommunityFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def client_of(member):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    _token, raw = token_create(member=member, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def lead():
    return MemberFactory(handle="lead_tighzit")


@pytest.fixture
def project(lead):
    return ProjectFactory(slug="tighzit", created_by=lead, story="We build **a classroom**.")


def proposal(**overrides):
    return {
        "community": CommunityFactory(slug="twittoma").slug,
        "title": "Classe",
        "country": "MA",
        "category": "education",
        "currency": "MAD",
        **overrides,
    }


# --- A story of 20 000 characters --------------------------------------------------------------


def test_a_story_of_20_001_characters_is_refused_on_create_and_nothing_is_saved():
    response = client_of(MemberFactory()).post(
        "/api/v1/projects/", proposal(story="a" * (STORY_MAX + 1)), format="json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"story": ["Ensure this field has no more than 20000 characters."]}
    assert not Project.objects.filter(title="Classe").exists()


def test_a_story_of_20_000_characters_is_accepted_on_create():
    response = client_of(MemberFactory()).post("/api/v1/projects/", proposal(story="a" * STORY_MAX), format="json")

    assert response.status_code == 201
    assert len(Project.objects.get(title="Classe").story) == STORY_MAX


def test_a_story_of_20_001_characters_is_refused_on_patch_and_the_story_stays(lead, project):
    response = client_of(lead).patch("/api/v1/projects/tighzit/", {"story": "a" * (STORY_MAX + 1)}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"story"}
    project.refresh_from_db()
    assert project.story == "We build **a classroom**."


def test_a_story_of_20_000_characters_is_accepted_on_patch(lead, project):
    response = client_of(lead).patch("/api/v1/projects/tighzit/", {"story": "a" * STORY_MAX}, format="json")

    assert response.status_code == 200
    project.refresh_from_db()
    assert len(project.story) == STORY_MAX


def test_a_lifecycle_note_longer_than_its_limit_is_refused(lead, project):
    response = client_of(lead).post(
        "/api/v1/projects/tighzit/transition/",
        {"to_status": "cancelled", "note": "x" * (TRANSITION_NOTE_MAX + 1)},
        format="json",
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"note"}
    project.refresh_from_db()
    assert project.status == Project.Status.OPEN
    assert not ProjectTransition.objects.filter(project=project).exists()


def test_a_pledge_message_longer_than_280_characters_is_refused(project):
    need = NeedFactory(project=project, cash=True)
    response = client_of(MemberFactory()).post(
        "/api/v1/pledges/",
        {"need": need.pk, "quantity": "100", "channel": "bank_transfer", "message": "x" * 281},
        format="json",
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"message"}
    assert not Pledge.objects.exists()


# --- Numbers read deliberately -------------------------------------------------------------------


def post_pledge(need, quantity, **extra):
    body = {"need": need.pk, "quantity": quantity, "channel": "bank_transfer", **extra}
    return client_of(MemberFactory()).post("/api/v1/pledges/", body, format="json")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("１２", "Write the number with the digits 0 to 9."),
        ("٣", "Write the number with the digits 0 to 9."),
        ("1_000", 'Write the number with the digits 0 to 9 and a "." for decimals, e.g. 1500.50.'),
        # The API takes one notation: the French way of typing it is the pages' (core/formatting).
        ("1 500,50", 'Write the number with the digits 0 to 9 and a "." for decimals, e.g. 1500.50.'),
        ("1e3", 'Write the number with the digits 0 to 9 and a "." for decimals, e.g. 1500.50.'),
    ],
)
def test_numbers_that_python_reads_but_nobody_writes_are_refused(project, quantity, message):
    need = NeedFactory(project=project, cash=True)

    response = post_pledge(need, quantity)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"quantity": [message]}
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "expected"), [(" 12 ", Decimal("12")), ("12.5", Decimal("12.5")), (12.5, Decimal("12.5"))]
)
def test_plain_numbers_are_read(project, quantity, expected):
    need = NeedFactory(project=project, cash=True)

    response = post_pledge(need, quantity)

    assert response.status_code == 201
    assert Pledge.objects.get().quantity == expected


@pytest.mark.parametrize("need_id", ["１", "1_0", True])
def test_an_id_in_other_digits_is_refused(project, need_id):
    NeedFactory(project=project, cash=True)

    response = client_of(MemberFactory()).post(
        "/api/v1/pledges/", {"need": need_id, "quantity": "10", "channel": "bank_transfer"}, format="json"
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"need"}
    assert not Pledge.objects.exists()


# --- Needs: counted whole, and how many ----------------------------------------------------------


def test_one_and_a_half_blankets_are_refused_and_two_and_a_half_kg_accepted(project):
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", whole_units=True)
    cement = NeedFactory(project=project, label="ciment", unit="kg", whole_units=False)

    refused = post_pledge(blankets, "1.5", channel="drop_off")
    accepted = post_pledge(cement, "2.5", channel="drop_off")

    assert refused.status_code == 400
    assert error_of(refused)["fields"] == {
        "quantity": ["This need is counted in whole units (pièce): enter a whole number, such as 1 or 2."]
    }
    assert accepted.status_code == 201
    assert list(Pledge.objects.values_list("need__label", "quantity")) == [("ciment", Decimal("2.50"))]


def test_a_need_says_whether_it_is_counted_whole_and_is_by_default_unless_measured(lead, project):
    client = client_of(lead)
    body = {"project": "tighzit", "kind": "material", "target_quantity": "200"}

    blankets = client.post("/api/v1/needs/", {**body, "label": "couverture", "unit": "pièce"}, format="json")
    cement = client.post("/api/v1/needs/", {**body, "label": "ciment", "unit": "kg"}, format="json")
    bags = client.post("/api/v1/needs/", {**body, "label": "sac", "unit": "kg", "whole_units": True}, format="json")
    fund = client.post("/api/v1/needs/", {**body, "kind": "cash", "label": "Fonds", "whole_units": True}, format="json")

    assert [response.json()["whole_units"] for response in (blankets, cement, bags, fund)] == [True, False, True, False]
    half = client.post(
        "/api/v1/needs/", {**body, "label": "pupitre", "unit": "pièce", "target_quantity": "12.5"}, format="json"
    )
    assert half.status_code == 400
    assert set(error_of(half)["fields"]) == {"target_quantity"}
    assert not Need.objects.filter(label="pupitre").exists()


def test_a_patch_keeps_whether_a_need_is_counted_whole(lead, project):
    need = NeedFactory(project=project, label="couverture", unit="pièce", whole_units=True)

    response = client_of(lead).patch(f"/api/v1/needs/{need.pk}/", {"label": "couvertures"}, format="json")

    assert response.status_code == 200
    need.refresh_from_db()
    assert (need.label, need.whole_units) == ("couvertures", True)


def test_a_need_beyond_the_projects_limit_is_refused(lead, project):
    Need.objects.bulk_create(
        Need(project=project, kind="material", label=f"besoin {n}", unit="pièce", target_quantity=1, position=n)
        for n in range(NEEDS_PER_PROJECT_MAX)
    )

    with translation.override("en"):
        response = client_of(lead).post(
            "/api/v1/needs/",
            {"project": "tighzit", "kind": "material", "label": "un de trop", "unit": "pièce", "target_quantity": "1"},
            format="json",
        )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "too_many"
    assert error["message"] == (
        f"A project has at most {NEEDS_PER_PROJECT_MAX} needs: close one you no longer need, or edit it."
    )
    assert project.needs.count() == NEEDS_PER_PROJECT_MAX


@pytest.mark.parametrize(("latitude", "status"), [("３１.６", 400), ("31_6", 400), (" 31.6 ", 201)])
def test_a_projects_coordinates_are_read_as_every_number_is(latitude, status):
    response = client_of(MemberFactory()).post(
        "/api/v1/projects/", proposal(latitude=latitude, longitude="-7.9"), format="json"
    )

    assert response.status_code == status
    assert Project.objects.filter(title="Classe").exists() is (status == 201)
