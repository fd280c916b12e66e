"""The public pages' cache under concurrent writes (PostgreSQL): members pledge on one project at
once while visitors read its page, its community's page, the list and the badge through the cache
(core/tests/concurrency.py, run_with_last_commit_open). The last commit is forced to come while the readers read: its
transaction stays open until they have, so what they read (and store) then carries the versions
of before it. Once it has committed, every page shows the total the rows sum to: no stale entry
survives the last commit.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.tests.factories import MemberFactory
from core.tests.concurrency import run_with_last_commit_open
from donations.models import Pledge
from donations.services import pledge_create
from donations.tests.factories import NeedFactory
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.selectors import project_detail

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_english"),
]

WRITERS = 4
READERS = 2
PLEDGES_PER_WRITER = 5
READS_PER_READER = 10
PAGES = ("/p/concurrence/", "/c/atlas/", "/", "/?country=MA")


def pledged(client, url):
    return " ".join(client.get(url).content.decode().split())


def shows_pledged(page, url, amount, percent):
    """Every page's progress bar says what share of the goal is pledged; the project's page also
    prints the amount. The goal is chosen so that the last pledge changes the share."""
    shown = f"0% received, {percent}% pledged" in page
    if url.startswith("/p/"):
        shown = shown and f"{amount} MAD pledged" in page
    return shown


def test_every_cached_page_shows_the_last_commit_after_concurrent_pledges(settings):
    settings.PAGE_CACHE = True
    cache.clear()
    project = ProjectFactory(community=CommunityFactory(slug="atlas"), slug="concurrence")
    cash = NeedFactory(project=project, cash=True, target_quantity=Decimal("2000"))
    donors = [MemberFactory(password=None) for _ in range(WRITERS)]
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    for url in PAGES:
        visitor.get(url)  # every page cached with no pledge

    def pledge(donor):
        pledge_create(donor=donor, need=cash, quantity=Decimal("100"), channel=Pledge.Channel.BANK_TRANSFER)

    def write(donor, count):
        for _number in range(count):
            pledge(donor)

    def read():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        for _ in range(READS_PER_READER):
            for url in PAGES:
                assert client.get(url).status_code == 200

    def read_every_page():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        return [pledged(client, url) for url in PAGES]

    seen_while_open = run_with_last_commit_open(
        # The first writer's last pledge is the last commit of all.
        writes=[
            partial(write, donor, PLEDGES_PER_WRITER - 1 if index == 0 else PLEDGES_PER_WRITER)
            for index, donor in enumerate(donors)
        ],
        last_write=lambda: pledge(donors[0]),
        reads=[read] * READERS,
        read_while_open=read_every_page,
    )

    # The readers did read while the last pledge was still uncommitted: all but that one.
    for pages in seen_while_open:
        for url, page in zip(PAGES, pages, strict=True):
            assert shows_pledged(page, url, "1,900", 95), url
    assert project_detail(slug="concurrence").cash_pledged == Decimal("2000")
    for url in PAGES:
        assert shows_pledged(pledged(visitor, url), url, "2,000", 100), url
