"""Every public page costs the same queries with 1 pledge as with 200: progress is read from the
stored totals (donations/totals.py), not summed from the pledges, and nothing is queried per row.

Measured on the cache's miss path (the cache emptied before each request), which is the path a
page takes after each commit that changes it; as a visitor and as a member."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# At most, on a miss, for the heaviest viewer of each page (a member: session, member, roles).
BUDGETS = {
    "project": 14,
    "supporters": 10,
    "home": 10,
    "community": 12,
    "feed": 8,
    "community_feed": 8,
    "badge": 6,
    "card": 6,
    "report": 14,
}


def urls(project):
    base = project.get_absolute_url()
    community = f"/c/{project.community.slug}/"
    return {
        "project": base,
        "supporters": f"{base}supporters/",
        "home": "/",
        "community": community,
        "feed": f"{base}feed.atom",
        "community_feed": f"{community}feed.atom",
        "badge": f"{base}badge.svg",
        "card": f"{base}card.png",
        "report": f"{base}report.pdf",
    }


def queries_of(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_public_pages_cost_the_same_queries_for_1_and_200_pledges(client, login, viewer):
    project = ProjectFactory(status=Project.Status.OPEN)
    fund = NeedFactory(project=project, cash=True)
    blankets = NeedFactory(project=project)
    if viewer == "member":
        login(MemberFactory())

    first = PledgeFactory(need=fund, quantity=Decimal("100"), channel=Pledge.Channel.MOBILE_MONEY)
    ReceptionFactory(pledge=first, quantity=Decimal("100"))
    with_one = {name: queries_of(client, url) for name, url in urls(project).items()}

    for number in range(199):
        pledge = PledgeFactory(
            need=blankets if number % 2 else fund,
            quantity=Decimal("1") if number % 2 else Decimal("50"),
            channel=Pledge.Channel.DROP_OFF if number % 2 else Pledge.Channel.MOBILE_MONEY,
            visibility=Pledge.Visibility.ANONYMOUS if number % 3 == 0 else Pledge.Visibility.PUBLIC,
        )
        if number % 4 == 0:
            ReceptionFactory(pledge=pledge, quantity=pledge.quantity)
    assert Pledge.objects.filter(need__project=project).count() == 200
    with_two_hundred = {name: queries_of(client, url) for name, url in urls(project).items()}

    assert with_two_hundred == with_one
    for name, count in with_two_hundred.items():
        assert count <= BUDGETS[name], f"{name}: {count} queries"
