"""Schemathesis against the API's own OpenAPI schema, in process (the WSGI app): generated
requests to every operation, as a project's lead, and to every write operation, as an ordinary
member (who leads, pledged and moderates nothing), must never cause a server error nor get a
response that the schema does not describe (status, content type, headers, body).
Bounded: a few examples per operation.

Schemathesis' checks that every schema-valid request is accepted (and every invalid one
refused) are left out on purpose: the services' rules refuse valid-looking requests (a pledge
on a closed need, cents in XOF) with a 400, as documented.
"""

import zlib

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.api_world import build_world

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# schemathesis's WSGI transport offers gzip as requests does but reads the body as sent: the
# compressed answers are tested in core/tests/test_static_and_compression.py.
UNCOMPRESSED = {"Accept-Encoding": "identity"}


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes database connections at the end of each request; the test's
    transaction lives on that connection, so keep it open (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def lead_token(db, settings, tmp_path, keep_test_connection):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(["anonymous", "member", "pledge"], "1000000/minute"),
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()
    world = build_world()
    client = world.client("lead")
    return client._credentials["HTTP_AUTHORIZATION"]


@pytest.fixture
def member_token(lead_token):
    """The same world (lead_token builds it), and a member with a token and no role in it."""
    from accounts.services import token_create
    from accounts.tests.factories import MemberFactory

    _token, raw = token_create(member=MemberFactory(handle="passante"), name="schemathesis")
    return f"Token {raw}"


def _existing(path, name):
    """The keys of rows this parameter may name, so that many requests reach real objects."""
    from accounts.models import Member
    from donations.models import Need, Pledge, Reception
    from projects.models import Community, Project
    from receipts.models import Receipt

    if name == "code":
        return list(Receipt.objects.values_list("code", flat=True))
    if name == "handle":
        return list(Member.objects.values_list("handle", flat=True))
    if name == "slug":
        model = Community if path.startswith("/api/v1/communities/") else Project
        return list(model.objects.values_list("slug", flat=True))
    for prefix, model in [("needs", Need), ("pledges", Pledge), ("receptions", Reception), ("receipts", Receipt)]:
        if path.startswith(f"/api/v1/{prefix}/"):
            return list(model.objects.values_list("pk", flat=True))
    return []


@schema.hook
def map_path_parameters(context, path_parameters):
    # Half of the generated values (chosen by a hash, so that examples replay) name real rows.
    if not path_parameters:
        return path_parameters
    for name, value in path_parameters.items():
        existing = _existing(context.operation.path, name)
        checksum = zlib.crc32(str(value).encode())
        if existing and checksum % 2:
            path_parameters[name] = existing[checksum % len(existing)]
    return path_parameters


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    database=None,  # no .hypothesis folder in the work tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_schema(case, lead_token):
    case.call_and_validate(headers={"Authorization": lead_token, **UNCOMPRESSED}, checks=CHECKS)


WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


@schema.include(method=WRITE_METHODS).parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_write_as_an_ordinary_member_matches_the_schema(case, member_token):
    case.call_and_validate(headers={"Authorization": member_token, **UNCOMPRESSED}, checks=CHECKS)
