"""How to give, through the API: who reads the project's details, who sets them, one error shape
for what is wrong; pledges carry their reference and the lead's list is searched by it."""

import pytest

from api.tests.api_world import ROLES, build_world
from donations.giving import project_giving

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

URL = "/api/v1/projects/tighzit/giving/"
DETAILS = {
    "bank_holder": "Association Tighzit",
    "bank_account": "MA64 0111 1000 0012 3456 7890 1234",
    "bank_name": "CIH",
    "cash_contact": "",
    "payment_days": 10,
    "public": False,
    "mobile_money": [{"operator": "orange_money", "number": "+212 612 345 678", "holder": "Sanaa"}],
    "collection_points": [
        {"name": "Dar Chabab", "address": "Rue principale", "hours": "9–18h", "contact": "", "map_url": ""}
    ],
}


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_leads_set_how_to_give(world, role):
    response = world.client(role).put(URL, DETAILS, format="json")
    if role == "lead":
        assert response.status_code == 200
        assert response.json() == DETAILS
    else:
        assert response.status_code in (401, 403)
        error_of(response)
        assert project_giving(project=world.project).details.pk is None


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("donor", 200), ("other_donor", 200), ("lead", 200), ("other_lead", 403), ("moderator", 403)],
)
def test_private_details_are_read_by_the_project_s_donors_and_leads(world, role, status):
    assert world.client("lead").put(URL, DETAILS, format="json").status_code == 200
    response = world.client(role).get(URL)
    assert response.status_code == status
    if status == 200:
        assert response.json()["bank_account"] == DETAILS["bank_account"]
    else:
        assert DETAILS["bank_account"] not in response.content.decode()


def test_public_details_are_read_by_anyone(world):
    world.client("lead").put(URL, {**DETAILS, "public": True}, format="json")
    response = world.client("anonymous").get(URL)
    assert response.status_code == 200 and response.json()["public"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bank_account": "FR76 ???"}, "bank_account"),
        ({"payment_days": 0}, "payment_days"),
        ({"mobile_money": [{"operator": "wave", "number": "+221 77 000 00 01"}] * 6}, "mobile_money"),
        ({"collection_points": [{"name": "x", "address": "y", "map_url": "http://example.org"}]}, "collection_points"),
        ({"bank_holder": "x" * 121}, "bank_holder"),
    ],
)
def test_wrong_details_get_one_error_shape_and_change_nothing(world, change, field):
    response = world.client("lead").put(URL, {**DETAILS, **change}, format="json")
    assert response.status_code == 400
    assert any(name.split(".")[0] == field for name in error_of(response)["fields"])
    assert project_giving(project=world.project).details.pk is None


def test_a_pledge_carries_its_reference_and_the_lead_finds_it_by_it(world):
    pledge = world.donor_pledge
    mine = world.client("donor").get(f"/api/v1/pledges/{pledge.pk}/")
    assert mine.json()["reference"] == pledge.reference

    lead = world.client("lead")
    found = lead.get("/api/v1/projects/tighzit/pledges/", {"search": pledge.reference.lower()}).json()
    assert [row["id"] for row in found["results"]] == [pledge.pk]
    # The donor is anonymous: the lead finds them by handle, a moderator does not.
    by_handle = lead.get("/api/v1/projects/tighzit/pledges/", {"search": "secret"}).json()["results"]
    assert pledge.pk in [row["id"] for row in by_handle]
    assert {row["donor"] for row in by_handle} == {"secret_donor"}
    moderator = world.client("moderator").get("/api/v1/projects/tighzit/pledges/", {"search": "secret"})
    assert pledge.pk not in [row["id"] for row in moderator.json()["results"]]
    assert all(row["donor"] == "secret_donor" for row in moderator.json()["results"])  # their public ones
    too_long = lead.get("/api/v1/projects/tighzit/pledges/", {"search": "x" * 41})
    assert too_long.status_code == 400 and "search" in error_of(too_long)["fields"]
