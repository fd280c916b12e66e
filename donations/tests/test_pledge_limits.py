"""Pledges made on the pages are limited per member like the API's, against the same budget
(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["pledge"]; the API side is tested in
api/tests/test_api.py): past it, a 429 page says when to try again, and nothing is created."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def pledge_url(need):
    return reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk})


def post_pledge(client, need, quantity="1"):
    payload = {"quantity": quantity, "channel": Pledge.Channel.DROP_OFF, "visibility": Pledge.Visibility.PUBLIC}
    return client.post(pledge_url(need), payload, HTTP_ACCEPT_LANGUAGE="en")


def pledge_rate(settings, rate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "pledge": rate},
    }


def test_thirty_five_pledges_in_a_second_are_limited_to_the_hourly_budget(login, settings, limits_clock):
    need = NeedFactory()
    donor = MemberFactory()
    client = login(donor)
    budget = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["pledge"].split("/")[0])
    statuses = [post_pledge(client, need).status_code for _ in range(35)]
    assert statuses == [302] * budget + [429] * (35 - budget)
    assert Pledge.objects.filter(donor=donor).count() == budget


def test_past_the_budget_a_page_says_when_to_try_again_and_nothing_is_created(login, settings, limits_clock):
    pledge_rate(settings, "2/hour")
    need = NeedFactory()
    donor = MemberFactory()
    client = login(donor)
    assert [post_pledge(client, need).status_code for _ in range(2)] == [302, 302]

    refused = post_pledge(client, need)
    assert refused.status_code == 429
    assert "429.html" in {template.name for template in refused.templates}
    assert refused["Retry-After"] == "2990"  # the rest of the hour (the clock is 610 s into it)
    assert "Please try again in 50 minutes" in refused.content.decode()
    assert Pledge.objects.filter(donor=donor).count() == 2

    limits_clock.advance(2990)  # the next hour, counted from zero
    assert post_pledge(client, need).status_code == 302
    assert Pledge.objects.filter(donor=donor).count() == 3


def test_the_budget_is_each_members_own_and_reading_the_form_is_free(login, settings, limits_clock):
    pledge_rate(settings, "1/hour")
    need = NeedFactory()
    first, second = MemberFactory(), MemberFactory()
    client = login(first)
    for _ in range(3):
        assert client.get(pledge_url(need)).status_code == 200
    assert post_pledge(client, need).status_code == 302
    assert post_pledge(client, need).status_code == 429
    assert post_pledge(login(second), need).status_code == 302
    assert Pledge.objects.filter(donor__in=[first, second]).count() == 2
