"""Refunds of card payments from the lead dashboard, through Stripe's API: full or partial,
bounded by what was paid, idempotent, and counted once when Stripe's webhook confirms them."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import NotAllowed
from donations.models import CardRefund, Need, Pledge
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from payments.models import CardPayment, RefundRequest
from payments.refunds import refund_card_payment
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.tests.factories import ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def fund():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def lead(fund):
    return fund.project.created_by


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00")


@pytest.fixture
def session_id(client, fake_stripe, pledge):
    """A paid card pledge, confirmed by its webhook."""
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    return session_id


def refund_page(pledge):
    return reverse("payments:card_refund", args=[pledge.need.project.slug, pledge.pk])


def refund_form(client, pledge):
    """The refund page's form as the lead's browser holds it (with its one-time token)."""
    page = client.get(refund_page(pledge))
    assert page.status_code == 200
    (_payment, form) = page.context["forms"][0]
    return {name: form[name].value() for name in ("payment", "token", "amount")}


def received(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get().received


def test_the_dashboard_offers_a_refund_of_a_paid_card_pledge_not_a_reception(login, lead, pledge, session_id, fund):
    dashboard = login(lead).get(reverse("pages:dashboard", args=[fund.project.slug])).content.decode()
    assert refund_page(pledge) in dashboard
    assert reverse("donations:reception_add", args=[fund.project.slug, pledge.pk]) not in dashboard


def test_a_lead_refunds_part_of_a_card_payment(client, login, lead, fake_stripe, pledge, session_id, fund):
    client = login(lead)
    form = refund_form(client, pledge)
    assert form["amount"] == "1000.00"

    answer = client.post(refund_page(pledge), {**form, "amount": "250,50"})

    assert answer.status_code == 302
    refund = next(iter(fake_stripe.refunds.values()))
    assert (refund["amount"], refund["payment_intent"]) == (25050, fake_stripe.sessions[session_id]["payment_intent"])
    request = RefundRequest.objects.get()
    assert (request.status, request.stripe_refund_id, request.requested_by) == (
        RefundRequest.Status.ACCEPTED,
        refund["id"],
        lead,
    )
    assert fake_stripe.calls("POST", "/v1/refunds")[0][3] == request.idempotency_key
    assert CardRefund.objects.get().quantity == Decimal("250.50")
    assert received(fund) == Decimal("749.50")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_REFUNDED
    # Stripe's webhook for the same refund changes nothing more.
    assert post_event(client, fake_stripe.charge_refunded_event(session_id)).content == b"unchanged"
    assert received(fund) == Decimal("749.50")


def test_a_full_refund_withdraws_the_pledge(login, lead, fake_stripe, pledge, session_id, fund):
    client = login(lead)
    client.post(refund_page(pledge), refund_form(client, pledge))

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    assert received(fund) == Decimal("0")
    assert CardPayment.objects.get().status == CardPayment.Status.REFUNDED
    # Nothing is left to refund: the page says so.
    assert client.get(refund_page(pledge)).context["forms"] == []


def test_the_same_refund_form_sent_twice_refunds_once(login, lead, fake_stripe, pledge, session_id, fund):
    client = login(lead)
    form = {**refund_form(client, pledge), "amount": "100"}

    client.post(refund_page(pledge), form)
    client.post(refund_page(pledge), form)

    assert RefundRequest.objects.count() == 1
    assert len(fake_stripe.refunds) == 1
    assert received(fund) == Decimal("900.00")


def test_a_refund_beyond_what_remains_is_refused(login, lead, fake_stripe, pledge, session_id, fund):
    client = login(lead)
    client.post(refund_page(pledge), {**refund_form(client, pledge), "amount": "600"})

    page = client.post(refund_page(pledge), {**refund_form(client, pledge), "amount": "400.01"})

    assert page.status_code == 200
    assert "At most 400.00 MAD can still be refunded on this payment." in page.content.decode()
    assert len(fake_stripe.refunds) == 1
    assert received(fund) == Decimal("400.00")


def test_only_the_projects_leads_may_refund(login, fake_stripe, pledge, session_id, fund):
    moderator = make_moderator(fund.project.community)
    for member in (pledge.donor, MemberFactory(), moderator):
        client = login(member)
        assert client.get(refund_page(pledge)).status_code == 403
        assert client.post(refund_page(pledge), {"payment": "1", "token": "x", "amount": "1"}).status_code == 403
    assert fake_stripe.refunds == {}
    with pytest.raises(NotAllowed):
        refund_card_payment(payment=CardPayment.objects.get(), actor=pledge.donor, amount="1", token="0" * 32)


def test_when_stripe_refuses_a_refund_the_lead_is_told(client, login, lead, fake_stripe, pledge, session_id, fund):
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])  # refunded in Stripe's dashboard
    lead_client = login(lead)

    page = lead_client.post(refund_page(pledge), refund_form(lead_client, pledge))

    assert "Stripe refused the refund: Charge has already been refunded." in page.content.decode()
    assert RefundRequest.objects.get().status == RefundRequest.Status.REFUSED
    # The refund made in Stripe's dashboard counts when its webhook arrives.
    assert post_event(client, fake_stripe.charge_refunded_event(session_id)).content == b"applied"
    assert received(fund) == Decimal("0")


def test_a_refund_whose_answer_was_lost_is_sent_again_and_made_once(login, lead, fake_stripe, pledge, session_id, fund):
    client = login(lead)
    form = refund_form(client, pledge)
    fake_stripe.drop_responses = 3  # Stripe refunds, but its answers never reach us (nor the SDK's retries)

    page = client.post(refund_page(pledge), {**form, "amount": "300"})

    assert "Card payments are unavailable right now" in page.content.decode()
    assert RefundRequest.objects.get().status == RefundRequest.Status.REQUESTED
    assert len(fake_stripe.refunds) == 1  # made at Stripe; not known to us
    assert received(fund) == Decimal("1000.00")

    call_command("stripe_reconcile", "--older-than", "0")
    call_command("stripe_reconcile", "--older-than", "0")

    assert RefundRequest.objects.get().status == RefundRequest.Status.ACCEPTED
    assert len(fake_stripe.refunds) == 1
    assert received(fund) == Decimal("700.00")


def test_a_payment_refused_for_its_amount_can_be_given_back_without_touching_totals(
    client, login, lead, fake_stripe, fund
):
    pledge = card_pledge(fund, "1000.00")
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id, charged=5000)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    lead_client = login(lead)
    form = refund_form(lead_client, pledge)
    assert form["amount"] == "50.00"

    lead_client.post(refund_page(pledge), form)

    assert len(fake_stripe.refunds) == 1
    payment = CardPayment.objects.get()
    assert (payment.status, payment.refunded_minor) == (CardPayment.Status.REFUSED, 5000)
    assert not CardRefund.objects.exists()
    assert received(fund) == Decimal("0")
    pledge.refresh_from_db()
    assert pledge.payment_alert == ""  # given back in full: nothing left for the leads to do
