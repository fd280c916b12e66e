"""The team through the API: a lead invites a co-lead by handle, the member lists and answers
their invitations, a lead withdraws one or removes a lead, never the last one. Refusals come in
the API's one error shape; `leads` is never set by PATCH."""

import pytest

from accounts.tests.factories import MemberFactory
from api.tests.api_world import ROLES, build_world
from projects.models import LeadChange, LeadInvitation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TEAM = "/api/v1/projects/tighzit/invitations/"


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def world():
    world = build_world()
    world.members["aicha"] = MemberFactory(handle="aicha_tz")
    return world


def leads(world):
    return sorted(world.project.leads.values_list("handle", flat=True))


def test_a_lead_invites_a_member_who_accepts_and_becomes_a_lead(world):
    lead = world.client("lead")

    response = lead.post(TEAM, {"handle": "@aicha_tz"}, format="json")

    assert response.status_code == 201
    invitation = response.json()
    assert invitation["project"] == "tighzit"
    assert invitation["member"] == "aicha_tz"
    assert invitation["invited_by"] == "lead_tighzit"
    assert invitation["status"] == "pending"
    team = lead.get(TEAM).json()
    assert team["leads"] == ["lead_tighzit"]
    assert [entry["member"] for entry in team["invitations"]] == ["aicha_tz"]

    aicha = world.client("aicha")
    (mine,) = aicha.get("/api/v1/me/invitations/").json()
    assert mine["id"] == invitation["id"]
    response = aicha.post(f"/api/v1/me/invitations/{mine['id']}/accept/")

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert leads(world) == ["aicha_tz", "lead_tighzit"]
    assert aicha.get("/api/v1/me/invitations/").json() == []
    assert sorted(world.client("anonymous").get("/api/v1/projects/tighzit/").json()["leads"]) == [
        "aicha_tz",
        "lead_tighzit",
    ]


def test_the_member_declines(world):
    invitation = world.client("lead").post(TEAM, {"handle": "aicha_tz"}, format="json").json()

    response = world.client("aicha").post(f"/api/v1/me/invitations/{invitation['id']}/decline/")

    assert response.json()["status"] == "declined"
    again = world.client("aicha").post(f"/api/v1/me/invitations/{invitation['id']}/accept/")
    assert again.status_code == 409
    assert error_of(again)["message"] == "This invitation was already declined."
    assert leads(world) == ["lead_tighzit"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"handle": "ghost"}, "handle", "No member has the handle @ghost."),
        ({"handle": "lead_tighzit"}, "handle", "@lead_tighzit is already a lead of this project."),
        ({"handle": "x" * 32}, "handle", "Ensure this field has no more than 31 characters."),
        ({}, "handle", "This field is required."),
    ],
)
def test_a_wrong_invitation_gets_one_error_shape_and_creates_nothing(world, payload, field, message):
    response = world.client("lead").post(TEAM, payload, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["fields"][field] == [message]
    assert not LeadInvitation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_leads_and_the_moderators_see_and_invite(world, role):
    allowed = role in ("lead", "moderator")
    client = world.client(role)

    seen = client.get(TEAM)
    invited = client.post(TEAM, {"handle": "aicha_tz"}, format="json")

    expected = 200 if allowed else (401 if role == "anonymous" else 403)
    assert seen.status_code == expected
    assert invited.status_code == (201 if allowed else expected)
    assert LeadInvitation.objects.exists() == allowed


def test_another_members_invitation_is_a_404(world):
    invitation = world.client("lead").post(TEAM, {"handle": "aicha_tz"}, format="json").json()

    response = world.client("donor").post(f"/api/v1/me/invitations/{invitation['id']}/accept/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert leads(world) == ["lead_tighzit"]


def test_a_lead_withdraws_an_invitation(world):
    invitation = world.client("lead").post(TEAM, {"handle": "aicha_tz"}, format="json").json()

    response = world.client("lead").delete(f"{TEAM}{invitation['id']}/")

    assert response.status_code == 204
    assert LeadInvitation.objects.get().status == LeadInvitation.Status.WITHDRAWN
    refused = world.client("aicha").post(f"/api/v1/me/invitations/{invitation['id']}/accept/")
    assert error_of(refused)["message"] == "This invitation was withdrawn by the project's leads."


def test_a_lead_removes_a_co_lead_and_the_last_lead_stays(world):
    invitation = world.client("lead").post(TEAM, {"handle": "aicha_tz"}, format="json").json()
    world.client("aicha").post(f"/api/v1/me/invitations/{invitation['id']}/accept/")

    removed = world.client("lead").delete("/api/v1/projects/tighzit/leads/aicha_tz/")

    assert removed.status_code == 204
    assert leads(world) == ["lead_tighzit"]
    last = world.client("lead").delete("/api/v1/projects/tighzit/leads/lead_tighzit/")
    assert last.status_code == 409
    assert error_of(last)["code"] == "last_lead"
    assert leads(world) == ["lead_tighzit"]
    assert list(LeadChange.objects.values_list("kind", flat=True)) == ["removed", "joined"]


def test_a_donor_cannot_remove_a_lead(world):
    response = world.client("donor").delete("/api/v1/projects/tighzit/leads/lead_tighzit/")

    assert response.status_code == 403
    assert leads(world) == ["lead_tighzit"]


def test_patch_says_that_leads_join_by_invitation(world):
    response = world.client("lead").patch(
        "/api/v1/projects/tighzit/", {"leads": ["aicha_tz"], "summary": "Changed"}, format="json"
    )

    assert response.status_code == 400
    assert "invitation" in error_of(response)["fields"]["leads"][0]
    world.project.refresh_from_db()
    assert world.project.summary != "Changed"
    assert leads(world) == ["lead_tighzit"]


def test_invitations_from_the_api_and_the_page_share_one_budget(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "2/day"}
    lead = world.client("lead")
    lead.post(TEAM, {"handle": MemberFactory().handle}, format="json")
    web = world.client("anonymous")
    web.force_login(world.members["lead"])
    web.post("/p/tighzit/manage/team/", {"handle": MemberFactory().handle})

    response = lead.post(TEAM, {"handle": MemberFactory().handle}, format="json")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert LeadInvitation.objects.count() == 2
