"""The project page's timeline: updates, milestones, thresholds and expenses in date order,
newest first, 20 a page; supporters-only entries for those who may read them; a query count
that does not grow with the number of entries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations.models import Pledge, ProgressThreshold
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory, make_moderator
from publishing.models import Milestone, Photo, TimelineEntry
from publishing.tests.factories import ExpenseFactory, MilestoneFactory, UpdateFactory
from publishing.timeline import project_timeline

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=365)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def project():
    return ProjectFactory()


def entry_update(project, at, *, supporters_only=False, published=True, photo=False):
    update = UpdateFactory(
        project=project,
        title=f"Update at {at:%Y-%m-%d %H:%M}",
        audience="supporters" if supporters_only else "public",
        published_at=at if published else None,
    )
    if photo:
        Photo.objects.create(
            project=project, update=update, image="photos/u.jpg", width=40, height=30, uploaded_by=update.author
        )
    return TimelineEntry.objects.create(
        project=project, kind="update", at=at, update=update, supporters_only=supporters_only
    )


def entry_milestone(project, at, *, photo=False):
    milestone = MilestoneFactory(project=project, status=Milestone.Status.DONE, done_on=at.date())
    if photo:
        Photo.objects.create(
            project=project,
            milestone=milestone,
            image="photos/m.jpg",
            width=40,
            height=30,
            uploaded_by=project.created_by,
        )
    return TimelineEntry.objects.create(project=project, kind="milestone", at=at, milestone=milestone)


def entry_threshold(project, at, *, need, percent):
    threshold = ProgressThreshold.objects.create(project=project, need=need, percent=percent, reached_at=at)
    return TimelineEntry.objects.create(project=project, kind="threshold", at=at, threshold=threshold)


def entry_expense(project, at, *, need=None):
    expense = ExpenseFactory(project=project, need=need, recorded_by=project.created_by, spent_on=at.date())
    return TimelineEntry.objects.create(project=project, kind="expense", at=at, expense=expense)


def add_entries(project, count, *, start=START):
    """`count` entries cycling through the four kinds, an hour apart, every third one with a photo."""
    needs = []
    for number in range(count):
        at = start + timedelta(hours=number)
        kind = number % 4
        if kind == 0:
            entry_update(project, at, photo=number % 3 == 0)
        elif kind == 1:
            entry_milestone(project, at, photo=number % 3 == 0)
        elif kind == 2:
            thresholds = number // 4
            if thresholds % 4 == 0:
                needs.append(NeedFactory(project=project))
            entry_threshold(project, at, need=needs[-1], percent=ProgressThreshold.PERCENTS[thresholds % 4])
        else:
            entry_expense(project, at, need=needs[-1] if needs else None)


def page(client, project, number=None):
    url = project.get_absolute_url() + (f"?timeline={number}" if number is not None else "")
    response = client.get(url)
    assert response.status_code == 200
    return response


def shown(response):
    return [entry.pk for entry in response.context["timeline"].object_list]


def test_the_four_kinds_are_mixed_newest_first(client, project):
    need = NeedFactory(project=project, label="Couvertures")
    # Created out of date order: the page orders by date, not by creation.
    expense = entry_expense(project, START + timedelta(days=3), need=need)
    update = entry_update(project, START + timedelta(days=1))
    threshold = entry_threshold(project, START + timedelta(days=4), need=need, percent=50)
    milestone = entry_milestone(project, START + timedelta(days=2))

    response = page(client, project)

    assert shown(response) == [threshold.pk, expense.pk, milestone.pk, update.pk]
    html = " ".join(response.content.decode().split())
    html = html[html.index('id="timeline"') :]  # the milestone is also in the milestones section
    assert "50 % of “Couvertures” received" in html
    assert milestone.milestone.title in html
    assert update.update.title in html
    assert html.index("50 % of") < html.index(milestone.milestone.title) < html.index(update.update.title)


def test_the_timeline_is_paginated_20_a_page(client, project):
    add_entries(project, 45)
    newest_first = list(TimelineEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))

    first = page(client, project)
    assert shown(first) == newest_first[:20]
    assert "?timeline=2" in first.content.decode()
    assert shown(page(client, project, 2)) == newest_first[20:40]
    assert shown(page(client, project, 3)) == newest_first[40:]
    # Out of range or malformed: the nearest page, never an error.
    assert shown(page(client, project, 99)) == newest_first[40:]
    assert shown(page(client, project, "abc")) == newest_first[:20]


@pytest.fixture
def with_secret(project):
    public = entry_update(project, START + timedelta(days=1))
    secret = entry_update(project, START + timedelta(days=2), supporters_only=True)
    return public, secret


def test_supporters_only_entries_are_hidden_from_anonymous_visitors_and_other_members(
    client, login, project, with_secret
):
    public, secret = with_secret
    assert shown(page(client, project)) == [public.pk]
    assert secret.update.title not in page(client, project).content.decode()
    login(MemberFactory())
    assert shown(page(client, project)) == [public.pk]


@pytest.mark.parametrize("who", ["supporter", "lead", "moderator"])
def test_supporters_only_entries_are_shown_to_supporters_leads_and_moderators(client, login, project, with_secret, who):
    public, secret = with_secret
    if who == "supporter":
        member = PledgeFactory(need=NeedFactory(project=project)).donor
    else:
        member = {"lead": project.created_by, "moderator": make_moderator(project.community)}[who]
    response = page(login(member), project)
    assert shown(response) == [secret.pk, public.pk]
    assert secret.update.title in response.content.decode()


def test_a_donor_whose_pledge_was_cancelled_no_longer_reads_supporters_only_entries(client, login, project):
    public = entry_update(project, START)
    entry_update(project, START + timedelta(days=1), supporters_only=True)
    pledge = PledgeFactory(need=NeedFactory(project=project), status=Pledge.Status.CANCELLED)
    assert shown(page(login(pledge.donor), project)) == [public.pk]


def test_an_unpublished_update_is_on_nobodys_timeline(client, login, project):
    entry_update(project, START, published=False)
    published = entry_update(project, START + timedelta(hours=1))
    assert shown(page(login(project.created_by), project)) == [published.pk]
    assert list(project_timeline(project=project, viewer=project.created_by)) == [published]


def test_milestones_are_listed_in_order_with_status_and_dates(client, project):
    from datetime import date

    MilestoneFactory(project=project, title="Terrain obtenu", position=0, status="done", done_on=date(2026, 3, 2))
    MilestoneFactory(project=project, title="Murs montés", position=1, status="in_progress")
    MilestoneFactory(project=project, title="Toit posé", position=2, target_date=date(2027, 6, 30))

    html = " ".join(page(client, project).content.decode().split())

    assert html.index("Terrain obtenu") < html.index("Murs montés") < html.index("Toit posé")
    assert "done on March 2, 2026" in html
    assert "In progress" in html
    assert "planned for June 30, 2027" in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response


# The detail page's fixed queries (tests/test_project_pages.py DETAIL_QUERY_BUDGET) and a full
# timeline page: its entries with what they point at, update photos, milestone photos.
FULL_PAGE_BUDGET = 14


@pytest.mark.parametrize("viewer", ["anonymous", "member", "lead"])
def test_the_project_page_queries_stay_flat_from_10_to_200_entries(
    client, login, project, django_assert_max_num_queries, viewer
):
    if viewer != "anonymous":
        login({"member": MemberFactory(), "lead": project.created_by}[viewer])
    url = project.get_absolute_url()

    add_entries(project, 10)
    few, _response = count_queries(client, url)
    add_entries(project, 190, start=START + timedelta(days=30))
    with django_assert_max_num_queries(FULL_PAGE_BUDGET):
        many, response = count_queries(client, url)
    last_page, _response = count_queries(client, url + "?timeline=10")

    assert TimelineEntry.objects.filter(project=project).count() == 200
    assert len(response.context["timeline"].object_list) == 20
    assert {entry.kind for entry in response.context["timeline"].object_list} == {
        "update",
        "milestone",
        "threshold",
        "expense",
    }
    assert few == many == last_page


def test_a_threshold_reached_through_a_reception_shows_on_the_page(client, project):
    from donations.services import reception_record

    need = NeedFactory(project=project, label="Fonds", cash=True, target_quantity=Decimal("1000"))
    pledge = PledgeFactory(need=need, quantity=Decimal("500"), channel=Pledge.Channel.BANK_TRANSFER)
    reception_record(pledge=pledge, actor=project.created_by, quantity="500")

    html = " ".join(page(client, project).content.decode().split())
    assert "25 % of “Fonds” received" in html
    assert "50 % of “Fonds” received" in html
