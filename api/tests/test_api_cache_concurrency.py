"""The API's response cache under concurrent writes (PostgreSQL): members pledge and leads
record receptions on the same project at once, while visitors read its list page and detail
through the cache. Once all have committed, what the API serves equals the sums computed in SQL
from the rows: no stale entry survives the last commit.
"""

import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.progress import needs_with_progress
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory
from publishing.selectors import project_detail

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

WRITERS = 4
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

    crashes = []
    barrier = threading.Barrier(WRITERS + 2, timeout=30)

    def write(donor):
        try:
            connection.ensure_connection()
            barrier.wait()
            for number in range(PLEDGES_PER_WRITER):
                pledge = pledge_create(donor=donor, need=cash, quantity=Decimal("100"), channel="bank_transfer")
                pledge_create(donor=donor, need=material, quantity=Decimal("2"), channel=Pledge.Channel.DROP_OFF)
                if number % 2:
                    reception_record(pledge=pledge, actor=lead, quantity=Decimal("40"))
        except Exception as error:  # noqa: BLE001 - reported below
            crashes.append(repr(error))
        finally:
            connection.close()

    def read():
        try:
            client = APIClient()
            barrier.wait()
            for _ in range(READS_PER_READER):
                assert client.get("/api/v1/projects/").status_code == 200
                assert client.get("/api/v1/projects/concurrence/").status_code == 200
        except Exception as error:  # noqa: BLE001 - reported below
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(donor,)) for donor in donors]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not crashes
    assert not any(thread.is_alive() for thread in threads)

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
