"""The API's response cache under concurrent writes (PostgreSQL): members pledge and leads
record receptions on the same project at once, while visitors read its list page and detail
through the cache (core/tests/concurrency.py). Once all have committed, what the API serves
equals the sums computed in SQL from the rows: no stale entry survives the last commit. The last
commit is forced to come while the readers read: its transaction stays open until they have.
"""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from accounts.tests.factories import MemberFactory
from core.tests.concurrency import JOIN_TIMEOUT, run_together
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

    others_done = threading.Barrier(WRITERS, timeout=JOIN_TIMEOUT)
    last_write_open = threading.Barrier(1 + READERS, timeout=JOIN_TIMEOUT)
    read_while_open = threading.Barrier(1 + READERS, timeout=JOIN_TIMEOUT)
    seen_while_open = []

    def write_round(donor, number):
        pledge = pledge_create(donor=donor, need=cash, quantity=Decimal("100"), channel="bank_transfer")
        pledge_create(donor=donor, need=material, quantity=Decimal("2"), channel=Pledge.Channel.DROP_OFF)
        if number % 2:
            reception_record(pledge=pledge, actor=lead, quantity=Decimal("40"))

    def write(donor, last):
        for number in range(PLEDGES_PER_WRITER - 1 if last else PLEDGES_PER_WRITER):
            write_round(donor, number)
        others_done.wait()
        if last:
            # The last commit of all, its transaction held open while the readers read: what they
            # read (and cache) then must not be served once it has committed.
            with transaction.atomic():
                write_round(donor, PLEDGES_PER_WRITER - 1)
                last_write_open.wait()
                read_while_open.wait()

    def read():
        client = APIClient()
        for _ in range(READS_PER_READER):
            assert client.get("/api/v1/projects/").status_code == 200
            assert client.get("/api/v1/projects/concurrence/").status_code == 200
        last_write_open.wait()
        try:
            listed = next(
                row for row in client.get("/api/v1/projects/").json()["results"] if row["slug"] == "concurrence"
            )
            detail = client.get("/api/v1/projects/concurrence/").json()
            seen_while_open.append(
                (Decimal(listed["progress"]["cash_pledged"]), Decimal(detail["progress"]["cash_pledged"]))
            )
        finally:
            read_while_open.wait()

    jobs = {
        f"writer-{index}": lambda donor=donor, index=index: write(donor, last=index == 0)
        for index, donor in enumerate(donors)
    }
    jobs.update({f"reader-{index}": read for index in range(READERS)})
    run_together(jobs, refused=())

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
