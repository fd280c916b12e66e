"""Who may read and do what through the API, endpoint by endpoint, for each role.

One row per endpoint: the request, then the status each role gets. The rules are the pages'
(projects/permissions.py): a project or pledge the role may not see is a 404, an action the
role may not take on something it sees is a 403, no credentials at all is a 401.
"""

import pytest

from api.tests.api_world import ROLES, build_world
from donations.models import Pledge

A, D, OD, L, OL, M = ROLES  # anonymous, donor, other_donor, lead, other_lead, moderator


def everyone(status):
    return dict.fromkeys(ROLES, status)


def members(status, anonymous=401, **overrides):
    return {**dict.fromkeys(ROLES, status), A: anonymous, **overrides}


# (name, method, url(world), body(world) or None, {role: status})
CASES = [
    ("communities", "get", lambda w: "/api/v1/communities/", None, everyone(200)),
    ("community", "get", lambda w: "/api/v1/communities/twittoma/", None, everyone(200)),
    ("community join", "post", lambda w: "/api/v1/communities/twittoma/join/", None, members(200)),
    ("projects", "get", lambda w: "/api/v1/projects/", None, everyone(200)),
    ("project", "get", lambda w: "/api/v1/projects/tighzit/", None, everyone(200)),
    (
        "draft project",
        "get",
        lambda w: "/api/v1/projects/brouillon/",
        None,
        {A: 404, D: 404, OD: 404, L: 200, OL: 404, M: 200},
    ),
    (
        "project create",
        "post",
        lambda w: "/api/v1/projects/",
        lambda w: {"community": "twittoma", "title": "Puits", "country": "MA", "category": "water", "currency": "MAD"},
        members(201),
    ),
    (
        "project update",
        "patch",
        lambda w: "/api/v1/projects/tighzit/",
        lambda w: {"summary": "Nouveau résumé"},
        members(403, lead=200),
    ),
    (
        "project close",
        "post",
        lambda w: "/api/v1/projects/tighzit/transition/",
        lambda w: {"to_status": "closed"},
        members(403, lead=200, moderator=200),
    ),
    (
        "draft submit",
        "post",
        lambda w: "/api/v1/projects/brouillon/transition/",
        lambda w: {"to_status": "in_review"},
        members(404, lead=200, moderator=200),
    ),
    ("supporters", "get", lambda w: "/api/v1/projects/tighzit/supporters/", None, everyone(200)),
    (
        "project pledges (dashboard)",
        "get",
        lambda w: "/api/v1/projects/tighzit/pledges/",
        None,
        members(403, lead=200, moderator=200),
    ),
    ("project updates", "get", lambda w: "/api/v1/projects/tighzit/updates/", None, everyone(200)),
    (
        "draft project updates",
        "get",
        lambda w: "/api/v1/projects/brouillon/updates/",
        None,
        {A: 404, D: 404, OD: 404, L: 200, OL: 404, M: 200},
    ),
    ("project milestones", "get", lambda w: "/api/v1/projects/tighzit/milestones/", None, everyone(200)),
    ("project expenses", "get", lambda w: "/api/v1/projects/tighzit/expenses/", None, everyone(200)),
    (
        "draft project expenses",
        "get",
        lambda w: "/api/v1/projects/brouillon/expenses/",
        None,
        {A: 404, D: 404, OD: 404, L: 200, OL: 404, M: 200},
    ),
    ("needs", "get", lambda w: "/api/v1/needs/?project=tighzit", None, everyone(200)),
    ("need", "get", lambda w: f"/api/v1/needs/{w.cash_need.pk}/", None, everyone(200)),
    (
        "need create",
        "post",
        lambda w: "/api/v1/needs/",
        lambda w: {
            "project": "tighzit",
            "kind": "material",
            "label": "livres",
            "unit": "pièce",
            "target_quantity": "50",
        },
        members(403, lead=201),
    ),
    (
        "need update",
        "patch",
        lambda w: f"/api/v1/needs/{w.unpledged_need.pk}/",
        lambda w: {"label": "cartables"},
        members(403, lead=200),
    ),
    ("need close", "post", lambda w: f"/api/v1/needs/{w.unpledged_need.pk}/close/", None, members(403, lead=200)),
    (
        "pledge create",
        "post",
        lambda w: "/api/v1/pledges/",
        lambda w: {"need": w.material_need.pk, "quantity": "3", "channel": "drop_off"},
        members(201),
    ),
    ("my pledges", "get", lambda w: "/api/v1/pledges/", None, members(200)),
    (
        "pledge",
        "get",
        lambda w: f"/api/v1/pledges/{w.donor_pledge.pk}/",
        None,
        {A: 401, D: 200, OD: 404, L: 200, OL: 404, M: 200},
    ),
    (
        "pledge cancel",
        "post",
        lambda w: f"/api/v1/pledges/{w.donor_pledge.pk}/cancel/",
        lambda w: {"reason": "Le virement n'est jamais arrivé."},
        {A: 401, D: 200, OD: 404, L: 200, OL: 404, M: 403},
    ),
    ("receptions", "get", lambda w: "/api/v1/receptions/", None, members(200)),
    (
        "reception",
        "get",
        lambda w: f"/api/v1/receptions/{w.reception.pk}/",
        None,
        {A: 401, D: 404, OD: 200, L: 200, OL: 404, M: 200},
    ),
    (
        "reception record",
        "post",
        lambda w: "/api/v1/receptions/",
        lambda w: {"pledge": w.donor_pledge.pk, "quantity": "400"},
        # Not visible at all: the pledge "does not exist" for the request (400 on the field).
        {A: 401, D: 403, OD: 400, L: 201, OL: 400, M: 403},
    ),
    ("my receipts", "get", lambda w: "/api/v1/receipts/", None, members(200)),
    (
        "receipt pdf",
        "get",
        lambda w: f"/api/v1/receipts/{w.receipt.pk}/pdf/",
        None,
        {A: 401, D: 200, OD: 404, L: 200, OL: 404, M: 404},
    ),
    ("receipt verification", "get", lambda w: f"/api/v1/receipts/verify/{w.receipt.code}/", None, everyone(200)),
    ("member profile", "get", lambda w: "/api/v1/members/secret_donor/", None, everyone(200)),
    ("me", "get", lambda w: "/api/v1/me/", None, members(200)),
    ("schema", "get", lambda w: "/api/v1/schema/", None, everyone(200)),
]


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_role_gets_what_the_rules_say(name, method, url, body, expected, role):
    world = build_world()
    client = world.client(role)
    kwargs = {"format": "json"} if body is not None else {}
    response = getattr(client, method)(url(world), body(world) if body else None, **kwargs)
    assert response.status_code == expected[role], (name, role, response.content[:300])
    if response.status_code >= 400:
        # Every refusal has the one error shape.
        assert set(response.json()["error"]) == {"code", "message", "fields"}


# Who sees an anonymous donor's handle: the donor and the project's leads, nobody else.
ANONYMOUS_DONOR_SHOWN = {A: False, D: True, OD: False, L: True, OL: False, M: False}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_anonymous_donor_is_named_only_to_the_donor_and_leads_in_supporters(role):
    world = build_world()
    rows = world.client(role).get("/api/v1/projects/tighzit/supporters/").json()["results"]
    anonymous_row = next(row for row in rows if row["id"] == world.donor_pledge.pk)
    public_row = next(row for row in rows if row["id"] == world.other_pledge.pk)
    assert anonymous_row["anonymous"] is True
    assert anonymous_row["donor"] == ("secret_donor" if ANONYMOUS_DONOR_SHOWN[role] else None)
    assert public_row["donor"] == "open_donor"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "moderator"])
def test_dashboard_list_names_anonymous_donors_to_leads_only(role):
    world = build_world()
    rows = world.client(role).get("/api/v1/projects/tighzit/pledges/").json()["results"]
    row = next(row for row in rows if row["id"] == world.donor_pledge.pk)
    assert row["donor"] == ("secret_donor" if role == "lead" else None)
    assert row["quantity"] == "1000.00"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["donor", "other_donor", "lead"])
def test_my_pledges_lists_only_my_own(role):
    world = build_world()
    rows = world.client(role).get("/api/v1/pledges/").json()["results"]
    pledges = (world.donor_pledge, world.other_pledge, world.receipted_pledge)
    mine = {pledge.pk for pledge in pledges if pledge.donor == world.members[role]}
    assert {row["id"] for row in rows} == mine


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("donor", {"receipted"}),
        ("other_donor", {"other"}),
        ("lead", {"other", "receipted"}),
        ("moderator", {"other", "receipted"}),
        ("other_lead", set()),
    ],
)
def test_receptions_are_listed_to_the_donor_and_the_project_only(role, expected):
    world = build_world()
    pledges = {"other": world.other_pledge.pk, "receipted": world.receipted_pledge.pk}
    rows = world.client(role).get("/api/v1/receptions/").json()["results"]
    assert {row["pledge"] for row in rows} == {pledges[name] for name in expected}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["donor", "lead"])
def test_who_may_download_a_receipt_gets_its_pdf(role):
    world = build_world()
    response = world.client(role).get(f"/api/v1/receipts/{world.receipt.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["moderator", "other_lead", "other_donor", "anonymous"])
def test_a_receipt_pdf_is_nobody_elses_not_even_the_moderators(role):
    # Finding of the trust and safety review: the moderators could download the PDF of an
    # anonymous pledge's receipt, which prints the donor's name (SPEC: known to the leads only).
    world = build_world()
    world.receipted_pledge.visibility = Pledge.Visibility.ANONYMOUS
    world.receipted_pledge.save(update_fields=["visibility"])
    response = world.client(role).get(f"/api/v1/receipts/{world.receipt.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code in (401, 404)
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_receipts_list_shows_only_mine_and_verification_never_names_the_donor():
    world = build_world()
    rows = world.client("donor").get("/api/v1/receipts/").json()["results"]
    assert [row["number"] for row in rows] == [world.receipt.number]
    assert world.client("other_donor").get("/api/v1/receipts/").json()["results"] == []
    body = world.client("anonymous").get(f"/api/v1/receipts/verify/{world.receipt.code}/").json()
    assert (body["number"], body["status"], body["cash"]) == (
        world.receipt.number,
        "valid",
        [{"amount": "300.00", "currency": "MAD"}],
    )
    assert "secret_donor" not in str(body)
    assert world.client("anonymous").get("/api/v1/receipts/verify/nope/").status_code == 404


# Who reads the supporters-only update: the supporters (both donors), the leads, the moderators.
READS_SUPPORTERS_ONLY = {A: False, D: True, OD: True, L: True, OL: False, M: True}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_supporters_only_updates_are_listed_to_supporters_leads_and_moderators_only(role):
    world = build_world()
    rows = world.client(role).get("/api/v1/projects/tighzit/updates/").json()["results"]
    expected = [world.supporters_update.pk] if READS_SUPPORTERS_ONLY[role] else []
    # Newest first; the draft is nobody's through the API, not even its lead's.
    assert [row["id"] for row in rows] == [*expected, world.public_update.pk]
    assert "Brouillon secret" not in str(rows)
