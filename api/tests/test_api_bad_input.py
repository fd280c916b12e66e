"""A body the API cannot take is a 4xx in its error shape, and changes nothing (api/parsers.py,
core/json_input.py): JSON nested thousands of levels deep (a RecursionError, a 500, on every
write), a NUL character in any string or key (PostgreSQL refuses it in a query or a jsonb value),
numbers beyond float range; and a body beyond DATA_UPLOAD_MAX_MEMORY_SIZE."""

import json

import pytest

from api.tests.api_world import build_world
from core.json_input import MAX_DEPTH, InvalidJSON, depth_of, parse
from donations.models import Need, Pledge, Reception
from projects.models import Membership, Project

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def world():
    return build_world()


def snapshot(world):
    """What a refused write must leave as it was."""
    world.unpledged_need.refresh_from_db()
    world.project.refresh_from_db()
    return {
        "projects": list(Project.objects.order_by("pk").values_list("pk", "status", "summary")),
        "needs": list(Need.objects.order_by("pk").values_list("pk", "label", "status")),
        "pledges": list(Pledge.objects.order_by("pk").values_list("pk", "status", "quantity")),
        "receptions": Reception.objects.count(),
        "memberships": Membership.objects.count(),
    }


# Every authenticated write, with a body it would take: (role, method, url(world), body(world)).
WRITES = [
    (
        "lead",
        "post",
        lambda w: "/api/v1/projects/",
        lambda w: {"community": "twittoma", "title": "Puits", "country": "MA", "category": "water", "currency": "MAD"},
    ),
    ("lead", "patch", lambda w: "/api/v1/projects/tighzit/", lambda w: {"summary": "Nouveau résumé"}),
    ("lead", "post", lambda w: "/api/v1/projects/tighzit/transition/", lambda w: {"to_status": "closed"}),
    (
        "lead",
        "post",
        lambda w: "/api/v1/needs/",
        lambda w: {
            "project": "tighzit",
            "kind": "material",
            "label": "livres",
            "unit": "pièce",
            "target_quantity": "5",
        },
    ),
    ("lead", "patch", lambda w: f"/api/v1/needs/{w.unpledged_need.pk}/", lambda w: {"label": "cartables"}),
    (
        "other_donor",
        "post",
        lambda w: "/api/v1/pledges/",
        lambda w: {"need": w.material_need.pk, "quantity": "3", "channel": "drop_off"},
    ),
    ("lead", "post", lambda w: "/api/v1/receptions/", lambda w: {"pledge": w.other_pledge.pk, "quantity": "2"}),
]


def deep_array(levels):
    return "[" * levels + "]" * levels


def deep_object(levels):
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(("role", "method", "url", "body"), WRITES)
@pytest.mark.parametrize("shape", ["array", "object", "inside a field"])
def test_a_body_nested_thousands_of_levels_deep_is_a_400_on_every_write(world, role, method, url, body, shape):
    before = snapshot(world)
    if shape == "array":
        payload = deep_array(3000)
    elif shape == "object":
        payload = deep_object(3000)
    else:
        payload = json.dumps(body(world))[:-1] + ', "extra": ' + deep_array(3000) + "}"

    response = getattr(world.client(role), method)(url(world), data=payload, content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert str(MAX_DEPTH) in error["message"]
    assert snapshot(world) == before


@pytest.mark.parametrize(("role", "method", "url", "body"), WRITES)
@pytest.mark.parametrize("where", ["each field", "a key", "a nested value"])
def test_a_nul_character_anywhere_in_a_body_is_a_400_on_every_write(world, role, method, url, body, where):
    before = snapshot(world)
    given = body(world)
    if where == "each field":
        # Strings, slugs of related rows (community, project), ids of rows (need, pledge), choices.
        bodies = [{**given, name: "\u0000"} for name in given] + [
            {**given, name: f"{value}\u0000"} for name, value in given.items()
        ]
    elif where == "a key":
        bodies = [{**given, "\u0000": 1}, {**given, "note\u0000": "x"}]
    else:
        bodies = [{**given, "extra": {"a": ["\u0000"]}}]

    client = world.client(role)
    for payload in bodies:
        response = getattr(client, method)(url(world), data=json.dumps(payload), content_type="application/json")
        assert response.status_code == 400, payload
        assert error_of(response)["code"] == "parse_error"
        assert "NUL" in error_of(response)["message"]
    assert snapshot(world) == before


@pytest.mark.parametrize("payload", ['{"quantity": NaN}', '{"quantity": Infinity}', '{"quantity": 1e999}'])
def test_numbers_json_does_not_have_are_a_400(world, payload):
    before = snapshot(world)
    response = world.client("other_donor").post("/api/v1/pledges/", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"
    assert snapshot(world) == before


def test_a_body_larger_than_djangos_limit_is_a_400(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    before = snapshot(world)
    payload = json.dumps(
        {"need": world.material_need.pk, "quantity": "3", "channel": "drop_off", "message": "x" * 2**20}
    )
    response = world.client("other_donor").post("/api/v1/pledges/", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert "larger" in error_of(response)["message"]
    assert snapshot(world) == before


def test_a_body_within_the_bounds_is_taken(world):
    # A harmless extra field nested to the bound, and a NUL written as text ("\\u0000"), pass.
    body = {"need": world.material_need.pk, "quantity": "3", "channel": "drop_off", "message": "\\u0000 ok"}
    payload = json.dumps(body)[:-1] + ', "extra": ' + deep_array(MAX_DEPTH - 1) + "}"
    response = world.client("other_donor").post("/api/v1/pledges/", data=payload, content_type="application/json")
    assert response.status_code == 201
    assert Pledge.objects.get(pk=response.json()["id"]).message == "\\u0000 ok"


def test_depth_is_measured_without_parsing_and_ignores_brackets_in_strings():
    assert depth_of('{"a": [1, {"b": "[[[[{{{"}], "c": "\\"]]]"}') == 3
    assert depth_of(deep_array(100_000)) == 100_000
    with pytest.raises(InvalidJSON):
        parse(deep_array(MAX_DEPTH + 1))
    assert parse(deep_array(MAX_DEPTH)) == parse(deep_array(MAX_DEPTH))
    with pytest.raises(InvalidJSON):
        parse('{"a\\u0000": 1}')
    assert parse('{"a": "[\\"{"}') == {"a": '["{'}
