"""Pledging: the pledge form, "my pledges", the donor's cancellation, and how a pledge moves
from pledged to received as a lead records what arrives."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, IllegalTransition, NotAllowed
from donations import services
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def pledge_url(need):
    return reverse("donations:pledge", kwargs={"slug": need.project.slug, "need_id": need.pk})


def pledge_via_service(need, donor=None, quantity="10", channel=None):
    channel = channel or (Pledge.Channel.MOBILE_MONEY if need.is_cash else Pledge.Channel.DROP_OFF)
    return services.pledge_create(donor=donor or MemberFactory(), need=need, quantity=quantity, channel=channel)


def post_pledge(client, need, **data):
    payload = {"quantity": "10", "channel": Pledge.Channel.DROP_OFF, "visibility": Pledge.Visibility.PUBLIC}
    payload.update(data)
    return client.post(pledge_url(need), payload, HTTP_ACCEPT_LANGUAGE="en")


# --- The pledge form -------------------------------------------------------------------------


def test_visitor_is_sent_to_log_in_before_pledging(client):
    need = NeedFactory()
    response = client.get(pledge_url(need))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={pledge_url(need)}"


def test_member_pledges_ten_blankets_and_lands_on_the_pledge_s_page(login):
    donor = MemberFactory()
    need = NeedFactory(label="couverture", unit="pièce")
    response = post_pledge(
        login(donor), need, quantity="10", visibility=Pledge.Visibility.ANONYMOUS, message="Courage !"
    )

    assert response.status_code == 302
    pledge = Pledge.objects.get(need=need)
    assert response["Location"] == reverse("donations:pledge_detail", args=[pledge.pk])
    assert (pledge.donor, pledge.quantity, pledge.channel) == (donor, Decimal("10"), Pledge.Channel.DROP_OFF)
    assert (pledge.visibility, pledge.message, pledge.status) == ("anonymous", "Courage !", Pledge.Status.PLEDGED)
    assert list(pledge.events.values_list("from_status", "to_status")) == [("", Pledge.Status.PLEDGED)]


def test_pledge_form_shows_the_need_progress_and_its_channels(login):
    need = NeedFactory(target_quantity=Decimal("200"))
    PledgeFactory(need=need, quantity=Decimal("30"))
    ReceptionFactory(pledge__need=need, pledge__quantity=Decimal("20"), quantity=Decimal("12"))

    response = login(MemberFactory()).get(pledge_url(need), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    shown = response.context["need"]
    assert (shown.pledged, shown.received, shown.missing) == (Decimal("50"), Decimal("12"), Decimal("150"))
    form = response.context["form"]
    assert [value for value, _label in form.fields["channel"].choices] == list(Pledge.MATERIAL_CHANNELS)
    assert "pièce" in str(form.fields["quantity"].label)
    assert "<form" in response.content.decode()


def test_cash_pledge_is_an_amount_in_the_project_currency_by_cash_channels(login):
    need = NeedFactory(cash=True, project=ProjectFactory(currency="MAD"))
    client = login(MemberFactory())

    form = client.get(pledge_url(need), HTTP_ACCEPT_LANGUAGE="en").context["form"]
    assert [value for value, _label in form.fields["channel"].choices] == list(Pledge.CASH_CHANNELS)
    assert "MAD" in str(form.fields["quantity"].label)

    response = post_pledge(client, need, quantity="250,50", channel=Pledge.Channel.DROP_OFF)
    assert response.status_code == 200
    assert "channel" in response.context["form"].errors
    assert not Pledge.objects.exists()

    post_pledge(client, need, quantity="250,50", channel=Pledge.Channel.MOBILE_MONEY)
    assert Pledge.objects.get(need=need).quantity == Decimal("250.50")


def test_french_decimal_comma_is_read_as_a_decimal(login):
    need = NeedFactory(unit="t", label="ciment")
    post_pledge(login(MemberFactory()), need, quantity="10,5")
    assert Pledge.objects.get(need=need).quantity == Decimal("10.5")


@pytest.mark.parametrize("typed", ["abc", "0", "-3", "1e9999", "", "10,555", "2000000000"])
def test_bad_quantities_are_form_errors_never_server_errors(login, typed):
    need = NeedFactory()
    response = post_pledge(login(MemberFactory()), need, quantity=typed)
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    assert not Pledge.objects.exists()


def test_xof_cash_pledge_refuses_decimals(login):
    need = NeedFactory(cash=True, project=ProjectFactory(currency="XOF"))
    client = login(MemberFactory())

    response = post_pledge(client, need, quantity="5000,5", channel=Pledge.Channel.MOBILE_MONEY)
    assert response.status_code == 200
    assert "whole number" in " ".join(response.context["form"].errors["quantity"])
    assert not Pledge.objects.exists()

    post_pledge(client, need, quantity="5000", channel=Pledge.Channel.MOBILE_MONEY)
    assert Pledge.objects.get(need=need).quantity == Decimal("5000")


@pytest.mark.parametrize("status", [Project.Status.CLOSED, Project.Status.COMPLETED, Project.Status.CANCELLED])
def test_only_open_projects_take_pledges(login, status):
    need = NeedFactory(project=ProjectFactory(status=status))
    client = login(MemberFactory())

    page = client.get(pledge_url(need), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["takes_pledges"] is False
    assert "not taking pledges" in page.content.decode()

    response = post_pledge(client, need)
    assert response.status_code == 200
    assert not Pledge.objects.exists()
    with pytest.raises(DomainError):
        pledge_via_service(need)


def test_a_draft_of_someone_else_is_not_found(login):
    need = NeedFactory(project=ProjectFactory(status=Project.Status.DRAFT))
    assert login(MemberFactory()).get(pledge_url(need)).status_code == 404


def test_closed_need_refuses_pledges(login):
    need = NeedFactory(status=Need.Status.CLOSED)
    client = login(MemberFactory())

    page = client.get(pledge_url(need), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["takes_pledges"] is False
    assert "need is closed" in page.content.decode()
    assert post_pledge(client, need).status_code == 200
    assert not Pledge.objects.exists()


def test_need_closed_between_page_and_submit_is_a_form_error(login):
    need = NeedFactory()
    client = login(MemberFactory())
    client.get(pledge_url(need))
    Need.objects.filter(pk=need.pk).update(status=Need.Status.CLOSED)

    response = post_pledge(client, need)
    assert response.status_code == 200
    assert not Pledge.objects.exists()


def test_need_of_another_project_is_not_found_under_this_project(login):
    need = NeedFactory()
    other = ProjectFactory()
    url = reverse("donations:pledge", kwargs={"slug": other.slug, "need_id": need.pk})
    assert login(MemberFactory()).post(url, {"quantity": "1", "channel": "drop_off"}).status_code == 404
    assert not Pledge.objects.exists()


# --- From pledged to received ----------------------------------------------------------------


def test_receptions_move_a_pledge_from_pledged_to_partially_received_to_received():
    need = NeedFactory(target_quantity=Decimal("200"))
    lead = need.project.created_by
    pledge = pledge_via_service(need, quantity="10")

    services.reception_record(pledge=pledge, actor=lead, quantity="3")
    services.reception_record(pledge=pledge, actor=lead, quantity="5")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED
    assert services.pledge_received(pledge) == Decimal("8")

    services.reception_record(pledge=pledge, actor=lead, quantity="4")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert services.pledge_received(pledge) == Decimal("12")

    # One event per move: created, first part arrived, all of it arrived (the second part moved nothing).
    assert list(PledgeEvent.objects.filter(pledge=pledge).values_list("from_status", "to_status")) == [
        ("", Pledge.Status.PLEDGED),
        (Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED),
        (Pledge.Status.PARTIALLY_FULFILLED, Pledge.Status.FULFILLED),
    ]


def test_donor_cannot_record_a_reception(login):
    need = NeedFactory()
    donor = MemberFactory()
    pledge = pledge_via_service(need, donor=donor)

    with pytest.raises(NotAllowed):
        services.reception_record(pledge=pledge, actor=donor, quantity="10")
    url = reverse("donations:reception_add", kwargs={"slug": need.project.slug, "pledge_id": pledge.pk})
    assert login(donor).post(url, {"quantity": "10", "received_on": "2024-01-01"}).status_code == 403

    assert not Reception.objects.exists()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED


# --- My pledges ------------------------------------------------------------------------------


def test_my_pledges_needs_a_login(client):
    response = client.get(reverse("pages:my_pledges"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_my_pledges_lists_the_members_pledges_with_what_arrived(login):
    donor = MemberFactory(handle="generous_one")
    blankets = NeedFactory(label="couverture", unit="pièce")
    fund = NeedFactory(cash=True, project=ProjectFactory(currency="XOF"))
    lead = blankets.project.created_by
    received = pledge_via_service(blankets, donor=donor, quantity="10")
    services.reception_record(pledge=received, actor=lead, quantity="3", note="first van")
    services.reception_record(pledge=received, actor=lead, quantity="9", note="second van")
    waiting = pledge_via_service(fund, donor=donor, quantity="5000")
    someone_elses = pledge_via_service(blankets, quantity="7")

    response = login(donor).get(reverse("pages:my_pledges"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    pledges = {pledge.pk: pledge for pledge in response.context["pledges"]}
    assert set(pledges) == {received.pk, waiting.pk}
    assert someone_elses.pk not in pledges
    assert pledges[received.pk].received == Decimal("12")
    assert pledges[received.pk].status == Pledge.Status.FULFILLED
    assert pledges[waiting.pk].received == Decimal("0")
    html = response.content.decode()
    assert "first van" in html and "second van" in html
    assert "5 000 XOF" in html or "5,000 XOF" in html
    # The cancel button appears only on the pledge nothing has arrived for.
    assert reverse("donations:cancel", args=[waiting.pk]) in html
    assert reverse("donations:cancel", args=[received.pk]) not in html


def test_my_pledges_query_count_does_not_grow_with_pledges(login, django_assert_max_num_queries):
    donor = MemberFactory()
    need = NeedFactory()
    for _ in range(30):
        pledge = PledgeFactory(need=need, donor=donor)
        ReceptionFactory(pledge=pledge, quantity=Decimal("2"))
    client = login(donor)
    # 6, plus the receipts: one query for the page's pledges, one for the donor's yearly receipts,
    # plus how to give to the page's projects (details, mobile money, collection points).
    with django_assert_max_num_queries(11):
        response = client.get(reverse("pages:my_pledges"))
    assert len(response.context["pledges"]) == 30


def test_my_pledges_shows_the_reason_a_lead_cancelled(login):
    donor = MemberFactory()
    need = NeedFactory()
    pledge = pledge_via_service(need, donor=donor)
    services.pledge_cancel(pledge=pledge, actor=need.project.created_by, reason="We already have enough blankets.")

    response = login(donor).get(reverse("pages:my_pledges"))
    assert "We already have enough blankets." in response.content.decode()


# --- Cancelling one's own pledge -------------------------------------------------------------


def test_donor_cancels_a_pledge_nothing_has_arrived_for(login):
    donor = MemberFactory()
    pledge = pledge_via_service(NeedFactory(), donor=donor)

    response = login(donor).post(reverse("donations:cancel", args=[pledge.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("pages:my_pledges")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert pledge.events.last().to_status == Pledge.Status.CANCELLED
    assert pledge.events.last().actor == donor


def test_donor_cannot_cancel_after_something_arrived(login):
    donor = MemberFactory()
    need = NeedFactory()
    pledge = pledge_via_service(need, donor=donor, quantity="10")
    services.reception_record(pledge=pledge, actor=need.project.created_by, quantity="4")

    with pytest.raises(IllegalTransition):
        services.pledge_cancel(pledge=pledge, actor=donor)
    response = login(donor).post(reverse("donations:cancel", args=[pledge.pk]), follow=True)

    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED
    assert services.pledge_received(pledge) == Decimal("4")


def test_member_cannot_cancel_another_donors_pledge(login):
    pledge = pledge_via_service(NeedFactory())
    intruder = MemberFactory()

    with pytest.raises(NotAllowed):
        services.pledge_cancel(pledge=pledge, actor=intruder)
    assert login(intruder).post(reverse("donations:cancel", args=[pledge.pk])).status_code == 404

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    assert pledge.events.count() == 1


def test_cancel_is_a_post_only(login):
    donor = MemberFactory()
    pledge = pledge_via_service(NeedFactory(), donor=donor)
    assert login(donor).get(reverse("donations:cancel", args=[pledge.pk])).status_code == 405
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
