"""Log-in is limited per account and per address (django-axes, accounts/login_limits.py): past
settings.AXES_FAILURE_LIMIT failures, the right password no longer logs in until the cool-off is
over, and a 429 page in the visitor's language says when to try again. Spoofed X-Forwarded-For
headers do not start a new count."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import PASSWORD, MemberFactory
from core.tests.clock import WINDOW_START, FrozenClock

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
ADMIN_LOGIN_URL = "/admin/login/"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def lead():
    return MemberFactory(handle="Lead_Tighzit", email="lead@private.example")


def log_in(client, identifier, password, *, address="203.0.113.7", forwarded=None, url=LOGIN_URL):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(url, {"username": identifier, "password": password}, **headers)


def logged_in(client):
    return SESSION_KEY in client.session


def assert_locked_out(response, settings):
    assert response.status_code == 429
    assert "429.html" in {template.name for template in response.templates}
    cool_off = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert response["Retry-After"] == str(cool_off)
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert f"try again in {cool_off // 60} minutes" in page


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(client, lead, settings):
    statuses = [log_in(client, "Lead_Tighzit", f"guess-{n}").status_code for n in range(40)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(statuses[limit - 1 :]) == {429}

    response = log_in(client, "Lead_Tighzit", PASSWORD)
    assert_locked_out(response, settings)
    assert not logged_in(client)


def test_the_account_is_locked_from_every_address_however_its_name_is_typed(client, lead, settings):
    spellings = ["Lead_Tighzit", "@lead_tighzit", "LEAD_TIGHZIT", " lead@PRIVATE.example "]
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A new address and a new spelling each time: still one account.
        log_in(client, spellings[n % len(spellings)], "wrong", address=f"198.51.100.{n + 1}")

    response = log_in(client, "lead_tighzit", PASSWORD, address="192.0.2.200")
    assert_locked_out(response, settings)
    assert not logged_in(client)
    # Another account from that fresh address is not concerned.
    other = MemberFactory()
    assert log_in(client, other.handle, PASSWORD, address="192.0.2.200").status_code == 302


def test_an_address_trying_many_accounts_is_locked_for_all_of_them(client, settings):
    members = MemberFactory.create_batch(settings.AXES_FAILURE_LIMIT + 1)
    for member in members[:-1]:
        assert log_in(client, member.handle, "wrong").status_code in (200, 429)

    response = log_in(client, members[-1].handle, PASSWORD)
    assert_locked_out(response, settings)
    # The same account from another address is fine: its own count is one failure at most.
    assert log_in(client, members[-1].handle, PASSWORD, address="192.0.2.200").status_code == 302


def test_accounts_that_do_not_exist_are_counted_alike(client, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "nobody_here", "wrong", address=f"198.51.100.{n + 1}")
    assert log_in(client, "nobody_here", "wrong", address="192.0.2.200").status_code == 429


def test_typing_an_address_as_the_handle_does_not_lock_that_address_out(client, lead, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "192.0.2.99", "wrong", address=f"198.51.100.{n + 1}")
    assert log_in(client, "Lead_Tighzit", PASSWORD, address="192.0.2.99").status_code == 302


@pytest.mark.parametrize("num_proxies", [0, 1])
def test_a_spoofed_forwarded_header_does_not_reset_the_count_of_an_address(client, settings, num_proxies):
    settings.NUM_PROXIES = num_proxies
    members = MemberFactory.create_batch(settings.AXES_FAILURE_LIMIT + 1)
    # Without proxy the client connects from 203.0.113.7; behind one, our proxy (10.0.0.2) says
    # it received from 203.0.113.7, right of whatever the client wrote.
    address = "203.0.113.7" if num_proxies == 0 else "10.0.0.2"
    for n, member in enumerate(members[:-1]):
        spoofed = f"198.51.100.{n + 1}"
        forwarded = spoofed if num_proxies == 0 else f"{spoofed}, 203.0.113.7"
        log_in(client, member.handle, "wrong", address=address, forwarded=forwarded)

    forwarded = "192.0.2.1" if num_proxies == 0 else "192.0.2.1, 203.0.113.7"
    response = log_in(client, members[-1].handle, PASSWORD, address=address, forwarded=forwarded)
    assert_locked_out(response, settings)
    if num_proxies == 1:
        # Another client behind the same proxy is another address.
        response = log_in(client, members[-1].handle, PASSWORD, address=address, forwarded="192.0.2.50")
        assert response.status_code == 302


def test_after_the_cool_off_the_right_password_logs_in(client, lead, settings, monkeypatch):
    if not isinstance(caches["default"], LocMemCache):
        pytest.skip("the cool-off is the expiry of the cache's entries: only the local cache's clock can be stopped")
    # The cache's clock (the outside world for axes): the counters expire with the cool-off.
    clock = FrozenClock(WINDOW_START)
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "Lead_Tighzit", "wrong")
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()

    clock.advance(cool_off - 1)
    assert log_in(client, "Lead_Tighzit", PASSWORD).status_code == 429
    # That attempt, while locked out, started the cool-off again: its page said so.
    clock.advance(cool_off - 1)
    assert log_in(client, "Lead_Tighzit", PASSWORD).status_code == 429
    clock.advance(cool_off)
    assert log_in(client, "Lead_Tighzit", PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_operator_lifts_a_lock_with_axes_commands(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "Lead_Tighzit", "wrong")
    assert log_in(client, "Lead_Tighzit", PASSWORD, address="192.0.2.200").status_code == 429

    call_command("axes_reset_username", "@lead_tighzit")
    call_command("axes_reset_ip", "203.0.113.7")
    assert log_in(client, "Lead_Tighzit", PASSWORD).status_code == 302


def test_a_few_mistakes_do_not_lock_anyone_out(client, lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "Lead_Tighzit", "wrong").status_code == 200
    assert log_in(client, "Lead_Tighzit", PASSWORD).status_code == 302


def test_the_admin_log_in_is_limited_too(client, settings):
    MemberFactory(handle="operator", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "operator", "wrong", url=ADMIN_LOGIN_URL)

    response = log_in(client, "operator", PASSWORD, url=ADMIN_LOGIN_URL)
    assert_locked_out(response, settings)
    assert not logged_in(client)
    # And the site's own log-in of that account is locked as well: one count per account.
    assert log_in(client, "operator", PASSWORD, address="192.0.2.200").status_code == 429


def test_the_locked_out_page_is_in_the_visitors_language(client, lead, settings):
    settings.AXES_FAILURE_LIMIT = 1
    log_in(client, "Lead_Tighzit", "wrong")
    response = client.post(
        LOGIN_URL,
        {"username": "Lead_Tighzit", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 429
    assert '<html lang="fr"' in response.content.decode()
