"""Receipts of card payments: issued when Stripe confirms the payment, replaced after a partial
refund, voided after a full one (in the transaction that applies Stripe's word)."""

from decimal import Decimal

import pytest

from donations.tests.factories import NeedFactory
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.tests.factories import ProjectFactory
from receipts.models import Receipt
from receipts.tests.factories import IssuerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund():
    project = ProjectFactory(currency="MAD")
    IssuerFactory(community=project.community)
    return NeedFactory(project=project, cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00")


@pytest.fixture
def session_id(client, fake_stripe, pledge):
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    return session_id


def cash_on(receipt):
    return receipt.snapshot["totals"]["cash"]


def test_a_payment_confirmed_by_stripe_gets_its_receipt_once(client, fake_stripe, pledge, session_id):
    receipt = Receipt.objects.get(pledge=pledge)
    assert receipt.status == Receipt.Status.VALID
    assert cash_on(receipt) == [{"currency": "MAD", "amount": "1000.00"}]
    post_event(client, fake_stripe.session_event("checkout.session.async_payment_succeeded", session_id))
    assert Receipt.objects.filter(pledge=pledge).count() == 1


def test_a_partial_refund_replaces_the_receipt_by_one_for_what_remains(client, fake_stripe, pledge, session_id):
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"], 40000)
    post_event(client, fake_stripe.charge_refunded_event(session_id))

    old, new = Receipt.objects.filter(pledge=pledge).order_by("id")
    assert old.status == Receipt.Status.VOID
    assert (new.status, new.replaces) == (Receipt.Status.VALID, old)
    assert cash_on(new) == [{"currency": "MAD", "amount": "600.00"}]


def test_a_full_refund_voids_the_receipt(client, fake_stripe, pledge, session_id):
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])
    post_event(client, fake_stripe.charge_refunded_event(session_id))

    receipt = Receipt.objects.get(pledge=pledge)
    assert receipt.status == Receipt.Status.VOID
    assert "1000.00 MAD" in receipt.void_reason
    assert not Receipt.objects.filter(pledge=pledge).valid().exists()
