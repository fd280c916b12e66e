"""The API's contract beyond roles: one error shape in the request's language, tokens, throttles,
the response cache that never serves stale progress, the docs served locally."""

import hashlib
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from accounts.tests.factories import MemberFactory
from api.tests.api_world import build_world
from core import rates
from core.tests.redis_server import reachable_redis_url
from donations import services as donation_services
from donations.models import Pledge
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    # Throttle counters and cached responses live in the cache: each test starts without any.
    cache.clear()
    yield
    cache.clear()


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# Errors ---------------------------------------------------------------------------------------


def test_validation_errors_name_their_fields():
    world = build_world()
    response = world.client("donor").post(
        "/api/v1/pledges/", {"need": world.material_need.pk, "quantity": "abc", "channel": "pigeon"}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"quantity", "channel"}


@pytest.mark.parametrize("community", ["no such community", "tw ittoma", 12])
def test_a_proposal_in_a_community_that_cannot_exist_is_a_400_on_its_field(community):
    # A NUL byte in the slug once reached PostgreSQL, which refuses it in a query: a 500 (found by
    # schemathesis). The API's parser now refuses a NUL anywhere in a body before any field is read
    # (test_api_bad_input.py); the field still refuses what cannot be a slug.
    world = build_world()
    body = {"community": community, "title": "Classe", "country": "MA", "category": "education", "currency": "MAD"}
    response = world.client("donor").post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"community"}
    assert not Project.objects.filter(title="Classe").exists()


def test_a_rule_broken_in_a_service_is_a_400_on_its_field():
    world = build_world()
    # A cash need takes money by transfer, mobile money or in hand, not dropped off.
    response = world.client("donor").post(
        "/api/v1/pledges/",
        {"need": world.cash_need.pk, "quantity": "100", "channel": "drop_off"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"channel": ["Choose how your gift will arrive."]}
    assert not Pledge.objects.filter(need=world.cash_need, quantity=Decimal("100")).exists()


def test_an_illegal_move_is_a_409():
    world = build_world()
    client = world.client("donor")
    url = f"/api/v1/pledges/{world.donor_pledge.pk}/cancel/"
    assert client.post(url, {}, format="json").status_code == 200
    response = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "illegal_transition",
        "message": "This pledge is already cancelled.",
        "fields": {},
    }


def test_unknown_urls_methods_and_media_types_answer_in_the_same_shape():
    world = build_world()
    client = world.client("lead")
    assert error_of(client.get("/api/v1/nothing/here/"))["code"] == "not_found"
    assert error_of(client.get("/api/v1/pledges/99999999999999999999999/"))["code"] == "not_found"
    assert client.delete("/api/v1/projects/tighzit/").status_code == 405
    assert error_of(client.delete("/api/v1/projects/tighzit/"))["code"] == "method_not_allowed"
    response = client.post("/api/v1/pledges/", "need=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    response = client.post("/api/v1/pledges/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Authentication credentials were not provided."), ("fr", "Informations d'authentification non fournies.")],
)
def test_error_messages_are_in_the_request_language(language, message):
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response) == {"code": "not_authenticated", "message": message, "fields": {}}


def test_domain_errors_are_in_the_request_language():
    world = build_world()
    client = world.client("donor")
    url = f"/api/v1/pledges/{world.donor_pledge.pk}/cancel/"
    client.post(url, {}, format="json")
    english = error_of(client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en"))["message"]
    french = error_of(client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="fr"))["message"]
    assert english == "This pledge is already cancelled."
    assert french != english


def test_session_writes_need_the_csrf_token(login):
    world = build_world()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.members["donor"])
    response = client.post(f"/api/v1/pledges/{world.donor_pledge.pk}/cancel/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    world.donor_pledge.refresh_from_db()
    assert world.donor_pledge.status == Pledge.Status.PLEDGED


# Throttles ------------------------------------------------------------------------------------


def _rates(settings, **by_scope):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **by_scope},
    }


# The start of a minute (and of an hour): 1 800 000 000 is a multiple of 3 600.
WINDOW_START = 1_800_000_000


class FrozenClock:
    """The throttles' clock, stopped (the clock is the outside world): the windows are fixed, so
    requests made on a real clock could straddle a window's end on a slow machine and find their
    counter reset. It moves only when a test moves it."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def frozen_clock(monkeypatch):
    """Ten seconds into a minute, for the limits only (core/rates.py's `time`)."""
    clock = FrozenClock(WINDOW_START + 10)
    monkeypatch.setattr(rates, "time", clock)
    return clock


def test_anonymous_clients_are_throttled(settings, frozen_clock):
    _rates(settings, anonymous="3/minute")
    client = APIClient()
    statuses = [client.get("/api/v1/communities/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/communities/")
    assert error_of(response)["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Retry-After"] == "50"  # the rest of the minute


@pytest.mark.parametrize("response_cache", [True, False])
@pytest.mark.parametrize("role", ["anonymous", "donor"])
def test_the_window_ends_after_its_period_and_lets_the_client_in_again(settings, frozen_clock, response_cache, role):
    settings.API_RESPONSE_CACHE = response_cache
    _rates(settings, anonymous="3/minute", member="3/minute")
    world = build_world()
    client = world.client(role)
    assert [client.get("/api/v1/projects/").status_code for _ in range(4)] == [200, 200, 200, 429]
    frozen_clock.advance(49)  # the last second of the minute: still refused
    response = client.get("/api/v1/projects/tighzit/")
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    frozen_clock.advance(1)  # the next minute: a new window, counted from zero
    assert [client.get("/api/v1/projects/tighzit/").status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize("response_cache", [True, False])
@pytest.mark.parametrize("role", ["anonymous", "donor"])
def test_cached_endpoints_are_throttled_too(settings, frozen_clock, response_cache, role):
    settings.API_RESPONSE_CACHE = response_cache
    _rates(settings, anonymous="3/minute", member="3/minute")
    world = build_world()
    client = world.client(role)
    statuses = [client.get(url).status_code for url in ["/api/v1/projects/", "/api/v1/projects/tighzit/"] * 2]
    assert statuses == [200, 200, 200, 429]
    assert error_of(client.get("/api/v1/projects/"))["code"] == "throttled"


def test_pledge_creation_is_throttled_more_strictly_than_reading(settings, frozen_clock):
    _rates(settings, member="100/minute", pledge="2/hour")
    world = build_world()
    client = world.client("other_donor")
    body = {"need": world.material_need.pk, "quantity": "1", "channel": "drop_off"}
    statuses = [client.post("/api/v1/pledges/", body, format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert client.get("/api/v1/pledges/").status_code == 200
    assert Pledge.objects.filter(donor=world.members["other_donor"]).count() == 3  # the world's one + 2


def _page_pledge(client, need):
    url = reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk})
    return client.post(url, {"quantity": "1", "channel": "drop_off", "visibility": "public"})


def test_pledges_on_the_page_count_against_the_apis_pledge_budget(settings, frozen_clock, client):
    """The finding: 35 pledges on the page in 1 s, right after the API's pledge throttle said 429."""
    _rates(settings, member="100/minute", pledge="3/hour")
    world = build_world()
    donor = world.members["other_donor"]
    api = world.client("other_donor")
    body = {"need": world.material_need.pk, "quantity": "1", "channel": "drop_off"}
    before = Pledge.objects.filter(donor=donor).count()
    assert [api.post("/api/v1/pledges/", body, format="json").status_code for _ in range(4)] == [201] * 3 + [429]

    client.force_login(donor)
    refused = _page_pledge(client, world.material_need)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 3590  # the rest of the hour, as the API says
    assert [_page_pledge(client, world.material_need).status_code for _ in range(35)] == [429] * 35
    assert Pledge.objects.filter(donor=donor).count() == before + 3

    # And the other way round: the page's pledges use up the API's budget.
    frozen_clock.advance(3590)  # the next hour
    assert [_page_pledge(client, world.material_need).status_code for _ in range(3)] == [302] * 3
    assert api.post("/api/v1/pledges/", body, format="json").status_code == 429
    assert Pledge.objects.filter(donor=donor).count() == before + 6


@pytest.mark.parametrize("num_proxies", [0, 1])
def test_a_spoofed_forwarded_header_does_not_reset_the_anonymous_throttle(settings, frozen_clock, num_proxies):
    """The finding: 20 of 20 requests with a made-up X-Forwarded-For passed after a 429."""
    settings.NUM_PROXIES = num_proxies
    _rates(settings, anonymous="3/minute")
    # Without proxy the client connects from 203.0.113.7; behind one, our proxy (10.0.0.2) says it
    # received from 203.0.113.7, right of whatever the client wrote.
    client = APIClient(REMOTE_ADDR="203.0.113.7" if num_proxies == 0 else "10.0.0.2")

    def get(spoofed):
        forwarded = spoofed if num_proxies == 0 else f"{spoofed}, 203.0.113.7"
        return client.get("/api/v1/communities/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [get("198.51.100.1") for _ in range(4)] == [200, 200, 200, 429]
    assert [get(f"198.51.100.{n}") for n in range(2, 22)] == [429] * 20
    if num_proxies == 1:
        # Another client behind our proxy has its own count.
        assert client.get("/api/v1/communities/", HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 200


# Tokens ---------------------------------------------------------------------------------------


def test_only_a_hash_of_a_token_is_stored():
    member = MemberFactory()
    token, raw = token_create(member=member, name="bot")
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert raw.startswith(token.shown_start)


def test_member_creates_a_token_on_their_page_and_it_is_shown_once(login):
    member = MemberFactory(handle="bot_owner")
    client = login(member)
    response = client.post(reverse("accounts:tokens"), {"name": "Tableau de bord"})
    assert response.status_code == 200
    raw = response.context["new_key"]
    assert raw in response.content.decode()
    assert raw not in client.get(reverse("accounts:tokens")).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/me/").json()["handle"] == "bot_owner"
    assert ApiToken.objects.get(member=member).last_used_at is not None


def test_a_revoked_token_no_longer_opens_the_api(login):
    member = MemberFactory()
    token, raw = token_create(member=member, name="bot")
    client = login(member)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_nobody_revokes_someone_elses_token(login):
    token, raw = token_create(member=MemberFactory(), name="bot")
    response = login(MemberFactory()).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_tokens_page_needs_a_login(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# The response cache ---------------------------------------------------------------------------


def _cash_pledged(client):
    project = client.get("/api/v1/projects/?page_size=50").json()["results"]
    return next(row for row in project if row["slug"] == "tighzit")["progress"]["cash_pledged"]


def test_cached_progress_changes_as_soon_as_a_pledge_is_committed(settings, django_capture_on_commit_callbacks):
    settings.API_RESPONSE_CACHE = True
    world = build_world()
    client = APIClient()
    assert _cash_pledged(client) == "1300.00"
    detail = client.get("/api/v1/projects/tighzit/").json()
    assert detail["needs"][0]["pledged"] == "1300.00"
    with django_capture_on_commit_callbacks(execute=True):
        donation_services.pledge_create(
            donor=world.members["other_donor"], need=world.cash_need, quantity="250", channel="bank_transfer"
        )
    assert _cash_pledged(client) == "1550.00"
    assert client.get("/api/v1/projects/tighzit/").json()["needs"][0]["pledged"] == "1550.00"


def test_the_cache_serves_until_a_commit_says_otherwise(settings, django_capture_on_commit_callbacks):
    """The counterpart of the test above: without the commit's version change the old page is
    served, so the test above would fail if the services did not mark their changes."""
    settings.API_RESPONSE_CACHE = True
    world = build_world()
    client = APIClient()
    assert _cash_pledged(client) == "1300.00"
    with django_capture_on_commit_callbacks(execute=False):
        donation_services.pledge_create(
            donor=world.members["other_donor"], need=world.cash_need, quantity="250", channel="bank_transfer"
        )
    assert _cash_pledged(client) == "1300.00"


def test_drafts_are_never_served_from_the_cache(settings):
    settings.API_RESPONSE_CACHE = True
    world = build_world()
    assert world.client("lead").get("/api/v1/projects/brouillon/").status_code == 200
    assert APIClient().get("/api/v1/projects/brouillon/").status_code == 404
    slugs = {row["slug"] for row in world.client("lead").get("/api/v1/projects/").json()["results"]}
    assert "brouillon" in slugs
    assert "brouillon" not in {row["slug"] for row in APIClient().get("/api/v1/projects/").json()["results"]}


# Docs -----------------------------------------------------------------------------------------


def test_the_docs_load_nothing_from_the_internet(client):
    html = client.get("/api/v1/docs/").content.decode()
    # Its own name, or the hashed one once collectstatic has written the manifest.
    assert re.search(r"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle(\.[0-9a-f]{12})?\.js", html)
    assert "https://" not in html and "http://" not in html
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/projects/{slug}/transition/" in schema["paths"]


def test_throttle_and_cache_share_one_redis_round_trip(settings, frozen_clock, django_capture_on_commit_callbacks):
    """What production runs: the response cache and the throttle counters in Redis."""
    settings.CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": reachable_redis_url()}}
    settings.API_RESPONSE_CACHE = True
    _rates(settings, anonymous="3/minute")
    cache.clear()
    world = build_world()
    client = APIClient()
    assert _cash_pledged(client) == "1300.00"
    with django_capture_on_commit_callbacks(execute=True):
        donation_services.pledge_create(
            donor=world.members["other_donor"], need=world.cash_need, quantity="250", channel="bank_transfer"
        )
    assert _cash_pledged(client) == "1550.00"
    assert client.get("/api/v1/projects/tighzit/").status_code == 200
    response = client.get("/api/v1/projects/tighzit/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    assert response["Retry-After"] == "50"
    cache.clear()


# Card pledges ---------------------------------------------------------------------------------


def test_a_card_pledge_is_paid_on_stripes_page_never_by_the_client(fake_stripe):
    world = build_world()
    client = world.client("other_donor")
    response = client.post(
        "/api/v1/pledges/", {"need": world.cash_need.pk, "quantity": "150", "channel": "card"}, format="json"
    )
    assert response.status_code == 201
    pledge = response.json()
    assert (pledge["channel"], pledge["status"], pledge["received"]) == ("card", "pledged", "0.00")
    checkout = client.post(f"/api/v1/pledges/{pledge['id']}/checkout/", format="json")
    assert checkout.status_code == 200
    assert checkout.json()["checkout_url"].startswith("http")
    # Asking again gives the same page (one open attempt per pledge), and nothing is received.
    assert client.post(f"/api/v1/pledges/{pledge['id']}/checkout/").json() == checkout.json()
    assert client.get(f"/api/v1/pledges/{pledge['id']}/").json()["received"] == "0.00"
    # Someone else (even the project's lead, who sees the pledge) cannot pay it.
    assert world.client("lead").post(f"/api/v1/pledges/{pledge['id']}/checkout/").status_code == 403
    # A pledge by bank transfer has no card page.
    response = world.client("donor").post(f"/api/v1/pledges/{world.donor_pledge.pk}/checkout/")
    assert response.status_code == 400
    # Nor can a receipt of card money be typed by hand through the API.
    response = world.client("lead").post(
        "/api/v1/receptions/", {"pledge": pledge["id"], "quantity": "150"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409


def test_without_stripe_keys_the_card_channel_is_refused(settings):
    settings.STRIPE_SECRET_KEY = ""
    world = build_world()
    response = world.client("donor").post(
        "/api/v1/pledges/", {"need": world.cash_need.pk, "quantity": "150", "channel": "card"}, format="json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"channel"}
