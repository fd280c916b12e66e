"""A refund that fails later at Stripe (the card's account closed: refund.failed and
charge.refund.updated, signed and posted to the real endpoint) counts as received again, once,
whichever of its events comes first and however often; a refund is counted once, one row per
Stripe refund (StripeRefund), including those counted before refunds were kept one by one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from donations.models import CardRefund, Need, Pledge, PledgeEvent
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from donations.totals import find_drift
from payments.models import CardPayment, StripeRefund
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def fund():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00")


@pytest.fixture
def session_id(fake_stripe, pledge):
    return session_id_of(open_checkout(pledge))


@pytest.fixture
def paid(client, fake_stripe, session_id):
    """The pledge paid (1 000 MAD) and confirmed by its webhook; its PaymentIntent."""
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    return fake_stripe.sessions[session_id]["payment_intent"]


def received(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get().received


def statuses_of(pledge):
    return list(PledgeEvent.objects.filter(pledge=pledge).order_by("id").values_list("to_status", flat=True))


def refund_page(pledge):
    return reverse("payments:card_refund", args=[pledge.need.project.slug, pledge.pk])


def refundable_on_the_page(client, pledge):
    forms = client.get(refund_page(pledge)).context["forms"]
    return [form["amount"].value() for _payment, form in forms]


def test_a_lead_refund_that_fails_at_stripe_counts_as_received_again(
    client, login, fake_stripe, pledge, session_id, paid, fund
):
    lead = login(fund.project.created_by)
    page = lead.get(refund_page(pledge))
    (_payment, shown) = page.context["forms"][0]
    form = {name: shown[name].value() for name in ("payment", "token")}
    lead.post(refund_page(pledge), {**form, "amount": "300"})
    (refund_id,) = fake_stripe.refunds
    assert received(fund) == Decimal("700.00")
    before_failure = fake_stripe.charge_refunded_event(session_id)  # 300.00 refunded, as it said then

    fake_stripe.fail_refund(refund_id)
    failed = fake_stripe.refund_event("refund.failed", refund_id)
    updated = fake_stripe.refund_event("charge.refund.updated", refund_id)

    assert post_event(client, failed).content == b"applied"
    assert received(fund) == Decimal("1000.00")
    assert not CardRefund.objects.exists()
    row = StripeRefund.objects.get()
    assert (row.status, row.failure_reason, row.card_refund) == (
        StripeRefund.Status.FAILED,
        "expired_or_canceled_card",
        None,
    )
    payment = CardPayment.objects.get()
    assert (payment.status, payment.refunded_minor) == (CardPayment.Status.PAID, 0)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert statuses_of(pledge) == [
        Pledge.Status.PLEDGED,
        Pledge.Status.FULFILLED,
        Pledge.Status.PARTIALLY_REFUNDED,
        Pledge.Status.FULFILLED,
    ]
    # The same failure again, told by its other event, and the refund's older news: nothing more.
    assert post_event(client, failed).content == b"duplicate"
    assert post_event(client, updated).content == b"unchanged"
    assert post_event(client, before_failure).content == b"unchanged"
    assert post_event(client, fake_stripe.refund_event("refund.updated", refund_id)).content == b"unchanged"
    assert received(fund) == Decimal("1000.00")
    assert CardPayment.objects.get().refunded_minor == 0
    # All of it may be refunded again.
    assert refundable_on_the_page(lead, pledge) == ["1000.00"]
    assert find_drift() == []


def test_a_full_refund_that_fails_brings_the_pledge_back_told_by_charge_refund_updated(
    client, fake_stripe, pledge, session_id, paid, fund
):
    refund = fake_stripe.refund(paid)  # in Stripe's dashboard
    assert post_event(client, fake_stripe.charge_refunded_event(session_id)).content == b"applied"
    pledge.refresh_from_db()
    assert (pledge.status, received(fund)) == (Pledge.Status.REFUNDED, Decimal("0"))

    fake_stripe.fail_refund(refund["id"], reason="lost_or_stolen_card")
    assert post_event(client, fake_stripe.refund_event("charge.refund.updated", refund["id"])).content == b"applied"
    assert post_event(client, fake_stripe.refund_event("refund.failed", refund["id"])).content == b"unchanged"

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert received(fund) == Decimal("1000.00")
    assert needs_with_progress(Need.objects.filter(pk=fund.pk)).get().supporters == 1
    assert CardPayment.objects.get().status == CardPayment.Status.PAID
    assert StripeRefund.objects.get().failure_reason == "lost_or_stolen_card"
    assert find_drift() == []


def test_a_refund_that_failed_before_it_was_counted_gives_nothing_back(
    client, fake_stripe, pledge, session_id, paid, fund
):
    refund = fake_stripe.refund(paid, 40000)
    stale = fake_stripe.charge_refunded_event(session_id)  # delivered late, after the failure
    fake_stripe.fail_refund(refund["id"])

    assert post_event(client, fake_stripe.refund_event("refund.failed", refund["id"])).content == b"unchanged"
    assert post_event(client, stale).content == b"unchanged"

    assert StripeRefund.objects.get().status == StripeRefund.Status.FAILED
    assert not CardRefund.objects.exists()
    assert received(fund) == Decimal("1000.00")
    assert CardPayment.objects.get().refunded_minor == 0


def test_a_refund_reported_before_its_payment_counts_when_the_payment_does(client, fake_stripe, session_id, fund):
    fake_stripe.pay(session_id)
    refund = fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"], 25000)

    # Its own event first: the payment is not confirmed yet, the refund waits for it.
    assert post_event(client, fake_stripe.refund_event("refund.created", refund["id"])).content == b"unchanged"
    assert StripeRefund.objects.get().status == StripeRefund.Status.MADE
    assert post_event(client, fake_stripe.session_event("checkout.session.completed", session_id)).content == (
        b"applied"
    )
    assert post_event(client, fake_stripe.charge_refunded_event(session_id)).content == b"unchanged"

    assert StripeRefund.objects.get().status == StripeRefund.Status.COUNTED
    assert CardRefund.objects.get().quantity == Decimal("250.00")
    assert received(fund) == Decimal("750.00")


def test_a_failed_refund_of_a_refused_payment_puts_the_alert_back(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id, charged=5000)  # not the pledged amount: refused, never counted
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    refund = fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])
    post_event(client, fake_stripe.charge_refunded_event(session_id))
    pledge.refresh_from_db()
    assert pledge.payment_alert == ""  # all given back

    fake_stripe.fail_refund(refund["id"])
    assert post_event(client, fake_stripe.refund_event("refund.failed", refund["id"])).content == b"applied"

    pledge.refresh_from_db()
    assert pledge.payment_alert == Pledge.PaymentAlert.AMOUNT_REFUSED
    payment = CardPayment.objects.get()
    assert (payment.status, payment.refunded_minor) == (CardPayment.Status.REFUSED, 0)
    assert received(fund) == Decimal("0")
    assert not CardRefund.objects.exists()


def test_refunds_counted_before_they_were_kept_one_by_one_are_not_counted_again(
    client, fake_stripe, pledge, session_id, paid, fund
):
    old = fake_stripe.refund(paid, 30000)
    post_event(client, fake_stripe.charge_refunded_event(session_id))
    # As the payment stood before StripeRefund existed: refunded_minor and an unlinked CardRefund.
    StripeRefund.objects.all().delete()
    assert (CardPayment.objects.get().refunded_minor, received(fund)) == (30000, Decimal("700.00"))

    new = fake_stripe.refund(paid, 20000)
    assert post_event(client, fake_stripe.charge_refunded_event(session_id)).content == b"applied"

    assert received(fund) == Decimal("500.00")
    assert CardPayment.objects.get().refunded_minor == 50000
    rows = dict(StripeRefund.objects.values_list("refund_id", "status"))
    assert rows == {old["id"]: StripeRefund.Status.COUNTED, new["id"]: StripeRefund.Status.COUNTED}

    # The old one fails: its CardRefund (of its amount) goes, the new one's stays.
    fake_stripe.fail_refund(old["id"])
    assert post_event(client, fake_stripe.refund_event("refund.failed", old["id"])).content == b"applied"
    assert received(fund) == Decimal("800.00")
    assert list(CardRefund.objects.values_list("quantity", flat=True)) == [Decimal("200.00")]
    assert CardPayment.objects.get().refunded_minor == 20000
    assert find_drift() == []
