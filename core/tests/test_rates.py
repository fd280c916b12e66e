"""core/rates.py: the client's address read through our own proxies only, windows that say exactly
how long is left, and one counter per scope, client and period."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core import rates
from core.tests.clock import WINDOW_START

pytestmark = pytest.mark.django_db


def request_from(remote, forwarded=None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_proxies_the_forwarded_header_is_the_clients_own_writing_and_ignored(settings):
    settings.NUM_PROXIES = 0
    assert rates.client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_only_the_right_most_entry_counts(settings):
    settings.NUM_PROXIES = 1
    # nginx appends the address it received from; the client wrote everything to its left.
    request = request_from("10.0.0.2", "1.1.1.1, 2.2.2.2, 203.0.113.7")
    assert rates.client_address(request) == "203.0.113.7"
    assert rates.client_address(request_from("10.0.0.2", "203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_second_from_the_right_counts(settings):
    settings.NUM_PROXIES = 2
    assert rates.client_address(request_from("10.0.0.2", "1.1.1.1, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


def test_a_request_that_skipped_a_proxy_is_counted_by_what_our_nearest_proxy_saw(settings):
    settings.NUM_PROXIES = 3
    # Only the nearest proxy appended (203.0.113.7); the left entry is the client's invention.
    assert rates.client_address(request_from("10.0.0.2", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert rates.client_address(request_from("10.0.0.2")) == "10.0.0.2"


def test_an_entry_that_is_not_an_address_falls_back_to_the_connection(settings):
    settings.NUM_PROXIES = 1
    assert rates.client_address(request_from("10.0.0.2", "unknown")) == "10.0.0.2"
    assert rates.client_address(request_from("10.0.0.2", "x" * 5000)) == "10.0.0.2"


def test_an_ipv6_client_is_counted_by_its_64_block(settings):
    settings.NUM_PROXIES = 0
    first = rates.address_ident(request_from("2001:db8:1:2:aaaa::1"))
    second = rates.address_ident(request_from("2001:db8:1:2:ffff::9"))
    assert first == second == "2001:db8:1:2::/64"
    assert rates.address_ident(request_from("2001:db8:1:3::1")) != first
    assert rates.address_ident(request_from("::ffff:203.0.113.7")) == "203.0.113.7"
    assert rates.address_ident(request_from("203.0.113.7")) == "203.0.113.7"


def test_parse_rate_reads_the_documented_forms():
    assert rates.parse_rate("5/minute") == rates.Rate(5, 60)
    assert rates.parse_rate("30/hour") == rates.Rate(30, 3600)
    assert rates.parse_rate("10/10m") == rates.Rate(10, 600)
    with pytest.raises(ImproperlyConfigured):
        rates.parse_rate("ten/hour")
    with pytest.raises(ImproperlyConfigured):
        rates.parse_rate("10/fortnight")


def test_a_refused_hit_is_told_the_whole_seconds_left_in_its_window(limits_clock):
    limits_clock.now += 0.9995  # 610.9995 s into the hour
    assert rates.hit(scope="test", ident="a", rate="1/hour") is None
    # 2989.0005 s are left: Retry-After rounds up, or the client comes back a moment too early.
    assert rates.hit(scope="test", ident="a", rate="1/hour") == 2990
    limits_clock.now = WINDOW_START + 3599.75  # a quarter of a second before the hour ends
    assert rates.hit(scope="test", ident="a", rate="1/hour") == 1
    limits_clock.now = WINDOW_START + 3600
    assert rates.hit(scope="test", ident="a", rate="1/hour") is None  # a new hour


def test_the_counter_is_one_per_scope_client_and_period(limits_clock):
    assert rates.hit(scope="test", ident="a", rate="1/hour") is None
    assert rates.hit(scope="test", ident="b", rate="1/hour") is None
    assert rates.hit(scope="other", ident="a", rate="1/hour") is None
    # The same scope and client with another period is another counter, not this hour's.
    assert rates.hit(scope="test", ident="a", rate="1/minute") is None
    assert rates.hit(scope="test", ident="a", rate="1/hour") is not None


def test_no_rate_is_no_limit(limits_clock):
    assert all(rates.hit(scope="test", ident="a", rate=None) is None for _ in range(5))
