"""List endpoints run a fixed number of queries: the same for 1 row or 20 per page, and the same
for a small or a larger data set."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.tests.api_world import build_world
from donations.models import Pledge
from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory
from publishing.expenses import expense_record
from publishing.milestones import milestone_create
from publishing.models import Update
from publishing.updates import update_create

pytestmark = pytest.mark.django_db

# (role, url): every list endpoint.
LISTS = [
    ("anonymous", "/api/v1/projects/"),
    ("anonymous", "/api/v1/projects/?ordering=most_supporters&has_missing=true"),
    ("anonymous", "/api/v1/communities/"),
    ("anonymous", "/api/v1/needs/"),
    ("anonymous", "/api/v1/projects/tighzit/supporters/"),
    ("lead", "/api/v1/projects/tighzit/pledges/"),
    ("donor", "/api/v1/pledges/"),
    ("lead", "/api/v1/receptions/"),
    ("anonymous", "/api/v1/members/secret_donor/"),
    ("donor", "/api/v1/receipts/"),
    ("anonymous", "/api/v1/projects/tighzit/updates/"),
    ("donor", "/api/v1/projects/tighzit/updates/"),
    ("moderator", "/api/v1/projects/tighzit/updates/"),
    ("anonymous", "/api/v1/projects/tighzit/milestones/"),
    ("anonymous", "/api/v1/projects/tighzit/expenses/"),
]
BUDGET = 6
# A project's updates as a member sees them: the token, the project and its leads, then "may
# this member read supporters-only updates?" (a supporter? a moderator?), the page and its photos.
BUDGETS = {
    ("donor", "/api/v1/projects/tighzit/updates/"): 7,
    ("moderator", "/api/v1/projects/tighzit/updates/"): 7,
}


def grow(world, times):
    """More of everything the lists show: projects, needs, pledges of every kind, receptions."""
    donor = world.members["donor"]
    lead = world.members["lead"]
    for _ in range(times):
        project = ProjectFactory(community=world.community, created_by=lead)
        need = NeedFactory(project=project, cash=True)
        NeedFactory(project=project)
        for visibility in Pledge.Visibility.values:
            PledgeFactory(
                need=need, donor=donor, quantity=Decimal("10"), channel="bank_transfer", visibility=visibility
            )
            pledge = PledgeFactory(need=world.cash_need, donor=donor, quantity=Decimal("5"), channel="mobile_money")
            reception_record(pledge=pledge, actor=lead, quantity=Decimal("5"))  # issues a receipt
        # What the project publishes: updates (one for supporters only), milestones, expenses.
        for audience in Update.Audience.values:
            update_create(
                project=world.project, actor=lead, title="Nouvelles", body="*ok*", audience=audience, publish=True
            )
        milestone_create(project=world.project, actor=lead, title="Étape")
        expense_record(
            project=world.project,
            actor=lead,
            description="Sacs de ciment",
            supplier="",
            amount=Decimal("10"),
            spent_on=date(2026, 3, 2),
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:200])
    return len(context.captured_queries)


@pytest.mark.parametrize(("role", "url"), LISTS)
def test_list_queries_do_not_grow_with_page_size_or_data(role, url):
    world = build_world()
    client = world.client(role)
    separator = "&" if "?" in url else "?"
    client.get(url)  # the token's "last used" is written on the first request only
    counts = {"small, 1 per page": count_queries(client, f"{url}{separator}page_size=1")}
    counts["small, 20 per page"] = count_queries(client, f"{url}{separator}page_size=20")
    grow(world, 15)
    counts["large, 1 per page"] = count_queries(client, f"{url}{separator}page_size=1")
    counts["large, 20 per page"] = count_queries(client, f"{url}{separator}page_size=20")
    assert len(set(counts.values())) == 1, counts
    assert counts["large, 20 per page"] <= BUDGETS.get((role, url), BUDGET), counts
