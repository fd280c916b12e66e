"""The API's response cache under concurrent writes (PostgreSQL): members pledge and leads
record receptions on the same project at once, while visitors read its list page and detail
through the cache (core/tests/concurrency.py). Once all have committed, what the API serves
equals the sums computed in SQL from the rows: no stale entry survives the last commit. The last
commit is forced to come while the readers read: its transaction stays open until they have.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import MemberFactory
from core.tests.concurrency import run_with_last_commit_open
from donations.models import Pledge
from donations.progress import needs_with_progress
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory
from publishing.selectors import project_detail

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

WRITERS = 4
READERS = 2
PLEDGES_PER_WRITER = 5
READS_PER_READER = 15


def test_cached_progress_equals_the_sql_sums_after_concurrent_writes(settings):
    settings.API_RESPONSE_CACHE = True
    cache.clear()
    lead = MemberFactory(password=None)
    project = ProjectFactory(created_by=lead, slug="concurrence")
    cash = NeedFactory(project=project, cash=True)
    material = NeedFactory(project=project)
    donors = [MemberFactory(password=None) for _ in range(WRITERS)]
    reader = APIClient()
    reader.get("/api/v1/projects/")  # the cache holds the empty project's progress
    reader.get("/api/v1/projects/concurrence/")

    def write_round(donor, number):
        pledge = pledge_create(donor=donor, need=cash, quantity=Decimal("100"), channel="bank_transfer")
        pledge_create(donor=donor, need=material, quantity=Decimal("2"), channel=Pledge.Channel.DROP_OFF)
        if number % 2:
            reception_record(pledge=pledge, actor=lead, quantity=Decimal("40"))

    def write(donor, rounds):
        for number in range(rounds):
            write_round(donor, number)

    def read():
        client = APIClient()
        for _ in range(READS_PER_READER):
            assert client.get("/api/v1/projects/").status_code == 200
            assert client.get("/api/v1/projects/concurrence/").status_code == 200

    def read_progress():
        client = APIClient()
        listed = next(row for row in client.get("/api/v1/projects/").json()["results"] if row["slug"] == "concurrence")
        detail = client.get("/api/v1/projects/concurrence/").json()
        return (Decimal(listed["progress"]["cash_pledged"]), Decimal(detail["progress"]["cash_pledged"]))

    seen_while_open = run_with_last_commit_open(
        # The first writer's last round is the last commit of all.
        writes=[
            partial(write, donor, PLEDGES_PER_WRITER - 1 if index == 0 else PLEDGES_PER_WRITER)
            for index, donor in enumerate(donors)
        ],
        last_write=lambda: write_round(donors[0], PLEDGES_PER_WRITER - 1),
        reads=[read] * READERS,
        read_while_open=read_progress,
    )

    # The readers did read while the last write was still open: all but its pledge.
    before_the_last = Decimal("100") * (WRITERS * PLEDGES_PER_WRITER - 1)
    assert seen_while_open == [(before_the_last, before_the_last)] * READERS

    expected_needs = {need.pk: need for need in needs_with_progress().filter(project=project)}
    expected_project = project_detail(slug="concurrence")
    listed = next(row for row in reader.get("/api/v1/projects/").json()["results"] if row["slug"] == "concurrence")
    detail = reader.get("/api/v1/projects/concurrence/").json()
    total = Decimal("100") * WRITERS * PLEDGES_PER_WRITER
    assert expected_project.cash_pledged == total
    for body in (listed, detail):
        assert Decimal(body["progress"]["cash_pledged"]) == expected_project.cash_pledged
        assert Decimal(body["progress"]["cash_received"]) == expected_project.cash_received
        assert body["progress"]["supporters"] == expected_project.supporters == WRITERS
        for row in body["needs"]:
            need = expected_needs[row["id"]]
            assert (Decimal(row["pledged"]), Decimal(row["received"])) == (need.pledged, need.received)
