"""Flags are limited per member (settings.RATE_LIMITS["flag"]): past the rate, the flag page
answers 429 with when to try again, and records nothing."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core import rates
from moderation.models import Flag
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# The start of an hour: 1 800 000 000 is a multiple of 3 600.
WINDOW_START = 1_800_000_000


class FrozenClock:
    """The limits' clock, stopped (the clock is the outside world): requests made on a real clock
    could straddle the end of a window and find their counter reset. It moves only when told."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def frozen_clock(monkeypatch):
    """Ten minutes into an hour, for core/rates.py only."""
    clock = FrozenClock(WINDOW_START + 600)
    monkeypatch.setattr(rates, "time", clock)
    return clock


def report(client, project):
    return client.post(reverse("moderation:flag", args=["project", project.pk]), {"reason": "spam"})


def test_a_member_past_the_flag_rate_is_answered_429_with_when_to_retry(client, settings, frozen_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": "2/hour"}
    projects = ProjectFactory.create_batch(4)
    client.force_login(MemberFactory(password=None))
    assert [report(client, project).status_code for project in projects[:2]] == [302, 302]
    refused = report(client, projects[2])
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"  # the rest of the hour
    # A page saying when to retry: the site's 429 page, or this app's own.
    assert {"429.html", "moderation/rate_limited.html"} & {template.name for template in refused.templates}
    assert Flag.objects.count() == 2

    frozen_clock.advance(2999)  # the last second of the hour: still refused
    assert report(client, projects[2]).status_code == 429
    frozen_clock.advance(1)  # the next hour: counted from zero
    assert report(client, projects[2]).status_code == 302
    assert Flag.objects.count() == 3


def test_the_rate_is_counted_per_member(client, settings, frozen_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": "1/hour"}
    first, second = ProjectFactory.create_batch(2)
    client.force_login(MemberFactory(password=None))
    assert report(client, first).status_code == 302
    assert report(client, second).status_code == 429
    client.force_login(MemberFactory(password=None))
    assert report(client, second).status_code == 302


def test_reading_the_flag_page_is_not_counted(client, settings, frozen_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": "1/hour"}
    project = ProjectFactory()
    client.force_login(MemberFactory(password=None))
    for _ in range(3):
        assert client.get(reverse("moderation:flag", args=["project", project.pk])).status_code == 200
    assert report(client, project).status_code == 302
