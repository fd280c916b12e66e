"""The lead dashboard: who gets in, what leads see there (needs, pledges, moves), and that a lead
of one project can do nothing on another. The writes made from it are tested with their pages
(donations/tests/test_lead_pages.py, publishing/tests/)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations import services
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Project, ProjectTransition
from projects.tests.factories import ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db


def dashboard_url(project, **query):
    url = reverse("pages:dashboard", kwargs={"slug": project.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def pledge_via_service(need, donor=None, quantity="10", **kwargs):
    kwargs.setdefault("channel", Pledge.Channel.MOBILE_MONEY if need.is_cash else Pledge.Channel.DROP_OFF)
    return services.pledge_create(donor=donor or MemberFactory(), need=need, quantity=quantity, **kwargs)


@pytest.fixture
def project():
    return ProjectFactory(currency="MAD")


@pytest.fixture
def lead(project):
    return project.created_by


# --- Who gets in -----------------------------------------------------------------------------


def test_visitor_is_sent_to_log_in(client, project):
    response = client.get(dashboard_url(project))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={dashboard_url(project)}"


def test_member_who_is_not_a_lead_is_refused(login, project):
    assert login(MemberFactory()).get(dashboard_url(project)).status_code == 403


def test_draft_of_someone_else_is_not_found(login):
    draft = ProjectFactory(status=Project.Status.DRAFT)
    assert login(MemberFactory()).get(dashboard_url(draft)).status_code == 404


def test_co_lead_gets_in(login, project):
    co_lead = MemberFactory()
    project.leads.add(co_lead)
    assert login(co_lead).get(dashboard_url(project)).status_code == 200


def test_moderator_of_the_community_sees_it_read_only(login, project):
    need = NeedFactory(project=project)
    pledge = pledge_via_service(need, visibility=Pledge.Visibility.ANONYMOUS)
    moderator = make_moderator(project.community)

    response = login(moderator).get(dashboard_url(project), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["can_manage"] is False
    html = response.content.decode()
    assert reverse("donations:need_add", kwargs={"slug": project.slug}) not in html
    assert reverse("donations:reception_add", kwargs={"slug": project.slug, "pledge_id": pledge.pk}) not in html
    # Anonymous donors are known to leads only.
    assert pledge.donor.handle not in html


# --- What leads see --------------------------------------------------------------------------


def test_lead_sees_needs_with_progress_and_pledges_with_what_arrived(login, project, lead):
    blankets = NeedFactory(project=project, label="couverture", unit="pièce", target_quantity=Decimal("200"))
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("10000"))
    public = pledge_via_service(blankets, donor=MemberFactory(handle="open_hand"), quantity="10", message="Bon courage")
    hidden = pledge_via_service(
        fund, donor=MemberFactory(handle="quiet_giver"), quantity="1500", visibility=Pledge.Visibility.ANONYMOUS
    )
    services.reception_record(pledge=public, actor=lead, quantity="12")

    response = login(lead).get(dashboard_url(project), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    needs = {need.pk: need for need in response.context["needs"]}
    assert (needs[blankets.pk].pledged, needs[blankets.pk].received, needs[blankets.pk].missing) == (
        Decimal("12"),
        Decimal("12"),
        Decimal("188"),
    )
    assert (needs[fund.pk].pledged, needs[fund.pk].received) == (Decimal("1500"), Decimal("0"))
    pledges = {pledge.pk: pledge for pledge in response.context["pledges"]}
    assert pledges[public.pk].received == Decimal("12")
    assert pledges[hidden.pk].shown_donor.handle == "quiet_giver"
    html = response.content.decode()
    assert "@quiet_giver" in html and "@open_hand" in html
    assert "Bon courage" in html
    assert "private.example" not in html  # emails never appear


def test_lead_sees_only_the_moves_they_may_make(login, lead):
    in_review = ProjectFactory(status=Project.Status.IN_REVIEW, created_by=lead)
    NeedFactory(project=in_review)
    client = login(lead)
    # The dashboard only links to the status page: no move is one tap away.
    dashboard = client.get(dashboard_url(in_review))
    assert reverse("pages:project_status", args=[in_review.slug]) in dashboard.content.decode()
    assert 'name="to_status"' not in dashboard.content.decode()
    response = client.get(reverse("pages:project_status", args=[in_review.slug]))
    moves = [status for status, _label, _consequence in response.context["moves"]]
    assert moves == [Project.Status.DRAFT, Project.Status.CANCELLED]


def test_dashboard_query_count_does_not_grow_with_pledges(login, project, lead, django_assert_max_num_queries):
    need = NeedFactory(project=project)
    PledgeFactory(need=need, visibility=Pledge.Visibility.ANONYMOUS)
    client = login(lead)
    with CaptureQueriesContext(connection) as few:
        client.get(dashboard_url(project))

    for index in range(59):
        pledge = PledgeFactory(need=need, visibility=Pledge.Visibility.ANONYMOUS if index % 2 else "public")
        ReceptionFactory(pledge=pledge, quantity=Decimal("3"))
    # 14 with how to give (3: the days before a pledge is overdue, and whether it is set).
    with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(14):
        response = client.get(dashboard_url(project))

    assert len(response.context["pledges"]) == 50
    assert len(many) == len(few)


def test_pledges_are_paginated_fifty_a_page(login, project, lead):
    need = NeedFactory(project=project)
    PledgeFactory.create_batch(60, need=need)
    client = login(lead)
    assert len(client.get(dashboard_url(project)).context["pledges"]) == 50
    assert len(client.get(dashboard_url(project, page=2)).context["pledges"]) == 10


def test_pledges_filter_by_status_need_and_channel(login, project, lead):
    blankets = NeedFactory(project=project)
    fund = NeedFactory(project=project, cash=True)
    dropped = PledgeFactory(need=blankets, channel=Pledge.Channel.DROP_OFF)
    shipped = PledgeFactory(need=blankets, channel=Pledge.Channel.SHIPPED, status=Pledge.Status.CANCELLED)
    transfer = PledgeFactory(need=fund, channel=Pledge.Channel.BANK_TRANSFER)
    client = login(lead)

    def shown(**query):
        return {pledge.pk for pledge in client.get(dashboard_url(project, **query)).context["pledges"]}

    assert shown() == {dropped.pk, shipped.pk, transfer.pk}
    assert shown(status="cancelled") == {shipped.pk}
    assert shown(need=fund.pk) == {transfer.pk}
    assert shown(channel="drop_off") == {dropped.pk}
    assert shown(need=blankets.pk, channel="shipped") == {shipped.pk}
    # A filter value that means nothing is ignored, not an error.
    assert shown(status="nonsense", channel="drop_off") == {dropped.pk}


def test_lead_sees_donor_handles_never_emails(login, project, lead):
    need = NeedFactory(project=project)
    pledge_via_service(need, donor=MemberFactory(handle="with_email", email="secret@example.org"))
    html = login(lead).get(dashboard_url(project)).content.decode()
    assert "@with_email" in html
    assert "secret@example.org" not in html


# --- A lead of one project can do nothing on another -----------------------------------------


def test_lead_of_project_a_can_do_nothing_on_project_b(login):
    lead_a = MemberFactory()
    project_a = ProjectFactory(created_by=lead_a)
    need_a = NeedFactory(project=project_a)
    project_b = ProjectFactory()
    need_b = NeedFactory(project=project_b)
    pledge_b = pledge_via_service(need_b, quantity="10")
    client = login(lead_a)

    def snapshot():
        return (
            list(Project.objects.order_by("pk").values_list("status", "cancellation_reason")),
            list(Need.objects.order_by("pk").values_list("label", "status", "target_quantity")),
            list(Pledge.objects.order_by("pk").values_list("status", "cancellation_reason")),
            Reception.objects.count(),
            PledgeEvent.objects.count(),
            ProjectTransition.objects.count(),
        )

    before = snapshot()
    b = {"slug": project_b.slug}
    need_data = {"kind": "material", "label": "hijacked", "unit": "kg", "target_quantity": "1"}
    reception_data = {"quantity": "10", "received_on": timezone.localdate().isoformat()}
    # B's own URLs: the lead of A is not a lead of B.
    forbidden = [
        ("get", reverse("pages:dashboard", kwargs=b), {}),
        ("post", reverse("projects:move", kwargs=b), {"to_status": "cancelled", "note": "mine now"}),
        ("post", reverse("projects:move", kwargs=b), {"to_status": "closed"}),
        ("post", reverse("donations:need_add", kwargs=b), need_data),
        ("post", reverse("donations:need_edit", kwargs={**b, "need_id": need_b.pk}), need_data),
        ("post", reverse("donations:need_close", kwargs={**b, "need_id": need_b.pk}), {}),
        ("post", reverse("donations:reception_add", kwargs={**b, "pledge_id": pledge_b.pk}), reception_data),
        ("post", reverse("donations:lead_pledge_cancel", kwargs={**b, "pledge_id": pledge_b.pk}), {"reason": "x"}),
    ]
    for method, url, data in forbidden:
        assert getattr(client, method)(url, data).status_code == 403, url

    # B's needs and pledges under A's slug: they are not A's, so they are not found.
    a = {"slug": project_a.slug}
    not_found = [
        reverse("donations:need_edit", kwargs={**a, "need_id": need_b.pk}),
        reverse("donations:need_close", kwargs={**a, "need_id": need_b.pk}),
        reverse("donations:reception_add", kwargs={**a, "pledge_id": pledge_b.pk}),
        reverse("donations:lead_pledge_cancel", kwargs={**a, "pledge_id": pledge_b.pk}),
    ]
    for url in not_found:
        assert client.post(url, {**need_data, **reception_data, "reason": "x"}).status_code == 404, url

    assert snapshot() == before
    assert need_a.status == Need.Status.OPEN


def test_the_status_page_says_what_cancelling_does_to_the_pledges(login, lead, in_english):
    project = ProjectFactory(created_by=lead)
    need = NeedFactory(project=project)
    PledgeFactory(need=need)
    PledgeFactory(need=need)
    response = login(lead).get(reverse("pages:project_status", args=[project.slug]))
    text = " ".join(response.content.decode().split())
    assert "2 pledges are waiting for their gift to arrive" in text
    assert "Every pledge of which nothing has arrived yet is cancelled" in text
    client = login(MemberFactory())
    assert client.get(reverse("pages:project_status", args=[project.slug])).status_code in (403, 404)
