"""Sign-up is limited per address (settings.RATE_LIMITS["signup"]): every POST of the form counts;
past the rate, a 429 page says when to try again and no account is made. The address is the
connection's, or our own proxies' (NUM_PROXIES): never what the client writes in X-Forwarded-For."""

import pytest
from django.urls import reverse

from accounts.models import Member

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("accounts:signup")
PASSWORD = "un-mot-de-passe-long"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sign_up(client, handle, *, address="203.0.113.7", forwarded=None, password2=PASSWORD):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"handle": handle, "email": "", "password1": PASSWORD, "password2": password2}
    return client.post(SIGNUP_URL, data, **headers)


def test_forty_sign_ups_from_one_address_are_limited(client, settings, limits_clock):
    limit = int(settings.RATE_LIMITS["signup"].split("/")[0])
    statuses = [sign_up(client, f"bot_{n}").status_code for n in range(40)]
    assert statuses == [302] * limit + [429] * (40 - limit)
    assert Member.objects.filter(handle__startswith="bot_").count() == limit


def test_past_the_rate_a_page_says_when_to_try_again_and_nothing_is_made(client, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    sign_up(client, "first_one")
    sign_up(client, "second_one")
    refused = sign_up(client, "third_one")
    assert refused.status_code == 429
    assert "429.html" in {template.name for template in refused.templates}
    assert refused["Retry-After"] == "2990"  # the rest of the hour (the clock is 610 s into it)
    assert "Please try again in 50 minutes" in refused.content.decode()
    assert not Member.objects.filter(handle="third_one").exists()

    limits_clock.advance(2989)  # the last second of the hour: still refused
    assert sign_up(client, "third_one").status_code == 429
    limits_clock.advance(1)  # the next hour, counted from zero
    assert sign_up(client, "third_one").status_code == 302
    assert Member.objects.filter(handle="third_one").exists()


def test_a_form_sent_back_with_mistakes_counts_but_reading_the_page_does_not(client, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    for _ in range(5):
        assert client.get(SIGNUP_URL).status_code == 200
    assert sign_up(client, "typo_one", password2="not-the-same").status_code == 200
    assert sign_up(client, "typo_one").status_code == 302
    assert sign_up(client, "typo_two").status_code == 429


def test_another_address_has_its_own_count(client, settings, limits_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/hour"}
    assert sign_up(client, "from_here").status_code == 302
    assert sign_up(client, "from_there", address="198.51.100.9").status_code == 302


@pytest.mark.parametrize("num_proxies", [0, 1])
def test_a_spoofed_forwarded_header_does_not_reset_the_count(client, settings, limits_clock, num_proxies):
    settings.NUM_PROXIES = num_proxies
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
    address = "203.0.113.7" if num_proxies == 0 else "10.0.0.2"  # the client, or our proxy

    def forwarded(spoofed):
        return spoofed if num_proxies == 0 else f"{spoofed}, 203.0.113.7"

    responses = [sign_up(client, f"bot_{n}", address=address, forwarded=forwarded(f"192.0.2.{n}")) for n in range(22)]
    assert [response.status_code for response in responses] == [302] * 2 + [429] * 20
    assert Member.objects.filter(handle__startswith="bot_").count() == 2
