"""A project's row held longer than STRIPE_LOCK_TIMEOUT_MS (PostgreSQL): every payment write gives
up and is tried again, never a 500 and never a double count.

- `stripe_reconcile` skips the payment whose project is locked, logs it, names it in its output,
  settles the others, and a later run settles it.
- A lead's refund that Stripe made while the project was locked: the page says so, the refund is
  recorded (without the project's lock), what may still be refunded leaves it out exactly once,
  and the first of its webhook and reconcile counts it, once.
- Locked before anything was asked of Stripe: the refund and pay pages say to try again, and
  nothing was sent or written.

The lock is another transaction's (core/tests/concurrency.py, Holder), taken on the project's row
as a lead's long transaction would; a refund's lock is taken at the moment Stripe makes it (the
fake's `after_refund`), between our request's commit and Stripe's answer.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.tests import concurrency
from donations.models import CardRefund, Need, Pledge, Reception
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from donations.totals import find_drift
from payments.models import CardPayment, RefundRequest, StripeEvent, StripeRefund
from payments.refunds import refundable_minor
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

BUSY = "This project is busy right now: nothing was changed. Please try again in a minute."
MADE_AT_STRIPE = "Stripe has the refund; it will show in a minute."


@pytest.fixture(autouse=True)
def short_lock_waits(settings):
    settings.STRIPE_LOCK_TIMEOUT_MS = 200


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def cash_need():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))


def project_lock(need):
    """A lead's long transaction on the project: its row held (lock order: project first)."""
    return concurrency.rows_locked(Project.objects.filter(pk=need.project_id))


def received(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get().received


def reconcile(*args):
    out = StringIO()
    call_command("stripe_reconcile", *args, stdout=out, stderr=out)
    return out.getvalue()


def paid_pledge(fake_stripe, need):
    """A card pledge of 1 000 MAD, paid and confirmed by its webhook."""
    pledge = card_pledge(need, "1000.00")
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    assert post_event(Client(), fake_stripe.session_event("checkout.session.completed", session_id)).content == (
        b"applied"
    )
    return pledge, session_id


def refund_page(pledge):
    return reverse("payments:card_refund", args=[pledge.need.project.slug, pledge.pk])


def refund_form(client, pledge):
    page = client.get(refund_page(pledge))
    assert page.status_code == 200
    (_payment, form) = page.context["forms"][0]
    return {name: form[name].value() for name in ("payment", "token", "amount")}


def test_reconcile_skips_a_payment_whose_project_is_locked_and_settles_the_others(fake_stripe, caplog):
    held_need, free_need = cash_need(), cash_need()
    held_pledge, free_pledge = card_pledge(held_need, "1000.00"), card_pledge(free_need, "250.00")
    for pledge in (held_pledge, free_pledge):
        fake_stripe.pay(session_id_of(open_checkout(pledge)))  # paid at Stripe; the webhooks were lost
    held_payment, free_payment = (CardPayment.objects.get(pledge=pledge) for pledge in (held_pledge, free_pledge))
    # The locked one comes first: the run must go on after it.
    CardPayment.objects.filter(pk=held_payment.pk).update(created_at=timezone.now() - timedelta(hours=2))
    CardPayment.objects.filter(pk=free_payment.pk).update(created_at=timezone.now() - timedelta(hours=1))

    with caplog.at_level(logging.WARNING), concurrency.held(project_lock(held_need)):
        output = reconcile("--older-than", "30")

    held_label = f"card payment {held_payment.pk}"
    assert f"{held_label} (pledge {held_pledge.pk}" in output
    assert "skipped" in output
    assert f"Skipped, for a later run: {held_label} " in output
    assert "Done: 1 applied; 1 could not be settled now." in output
    assert any(f"stripe_reconcile skipped {held_label}" in record.getMessage() for record in caplog.records)
    assert CardPayment.objects.get(pk=held_payment.pk).status == CardPayment.Status.PENDING
    assert CardPayment.objects.get(pk=free_payment.pk).status == CardPayment.Status.PAID
    assert (received(held_need), received(free_need)) == (Decimal("0"), Decimal("250.00"))

    # The lock is gone: the next run settles it, once.
    assert "Done: 1 applied." in reconcile("--older-than", "30")
    assert "nothing to apply" in reconcile("--older-than", "30")
    assert CardPayment.objects.get(pk=held_payment.pk).status == CardPayment.Status.PAID
    assert Reception.objects.filter(pledge=held_pledge).count() == 1
    assert (received(held_need), received(free_need)) == (Decimal("1000.00"), Decimal("250.00"))
    assert find_drift() == []


@pytest.mark.parametrize("first", ["webhook", "reconcile"])
def test_a_refund_made_while_the_project_is_locked_is_recorded_then_counted_once(english, fake_stripe, first):
    need = cash_need()
    pledge, session_id = paid_pledge(fake_stripe, need)
    client = english
    client.force_login(need.project.created_by)
    form = refund_form(client, pledge)
    holders = []
    # The moment Stripe makes the refund, another transaction takes the project's row.
    fake_stripe.after_refund = lambda refund: holders.append(concurrency.Holder(project_lock(need)).start())
    try:
        answer = client.post(refund_page(pledge), {**form, "amount": "300"}, follow=True)

        assert answer.status_code == 200
        assert MADE_AT_STRIPE in answer.content.decode()
        (refund_id,) = fake_stripe.refunds
        request = RefundRequest.objects.get()
        assert (request.status, request.stripe_refund_id) == (RefundRequest.Status.ACCEPTED, refund_id)
        made = StripeRefund.objects.get()
        assert (made.refund_id, made.amount_minor, made.status) == (refund_id, 30000, StripeRefund.Status.MADE)
        assert received(need) == Decimal("1000.00")  # not counted yet
        assert not CardRefund.objects.exists()
        # What may still be refunded leaves it out, once: 1 000 - 300, not 1 000 - 600.
        assert refund_form(client, pledge)["amount"] == "700.00"
        # Its webhook, while the row is still held: Stripe is asked to deliver it again.
        assert post_event(Client(), fake_stripe.charge_refunded_event(session_id)).status_code == 503
    finally:
        fake_stripe.after_refund = None
        for holder in holders:
            holder.release()
    assert len(holders) == 1

    # Free again: the first of its webhook and reconcile counts it, the other finds it counted.
    refund_updated = fake_stripe.refund_event("refund.updated", refund_id)
    if first == "webhook":
        assert post_event(Client(), refund_updated).content == b"applied"
        assert "nothing to apply" in reconcile("--older-than", "0")
    else:
        assert f"refunds of card payment {made.card_payment_id} (pledge {pledge.pk}): applied" in reconcile(
            "--older-than", "0"
        )
        assert post_event(Client(), refund_updated).content == b"unchanged"
    assert post_event(Client(), fake_stripe.charge_refunded_event(session_id)).content == b"unchanged"
    assert "nothing to apply" in reconcile("--older-than", "0")

    assert len(fake_stripe.refunds) == 1
    assert StripeRefund.objects.get().status == StripeRefund.Status.COUNTED
    assert CardRefund.objects.get().quantity == Decimal("300.00")
    assert received(need) == Decimal("700.00")
    payment = CardPayment.objects.get()
    assert (payment.status, payment.refunded_minor) == (CardPayment.Status.PARTIALLY_REFUNDED, 30000)
    assert Pledge.objects.get(pk=pledge.pk).status == Pledge.Status.PARTIALLY_REFUNDED
    assert refund_form(client, pledge)["amount"] == "700.00"
    assert find_drift() == []


def test_a_refund_asked_while_the_project_is_locked_is_refused_with_nothing_sent(english, fake_stripe):
    need = cash_need()
    pledge, _session_id = paid_pledge(fake_stripe, need)
    client = english
    client.force_login(need.project.created_by)
    form = refund_form(client, pledge)

    with concurrency.held(project_lock(need)):
        page = client.post(refund_page(pledge), {**form, "amount": "300"})

    assert page.status_code == 200
    assert BUSY in page.content.decode()
    assert fake_stripe.calls("POST", "/v1/refunds") == []
    assert not RefundRequest.objects.exists()
    assert received(need) == Decimal("1000.00")
    # Sent again once the lock is gone: made and counted.
    assert client.post(refund_page(pledge), {**form, "amount": "300"}).status_code == 302
    assert received(need) == Decimal("700.00")


def test_paying_while_the_project_is_locked_asks_to_try_again(english, fake_stripe):
    need = cash_need()
    pledge = card_pledge(need, "100.00")
    client = english
    client.force_login(pledge.donor)
    pay_page = reverse("payments:card_pay", args=[pledge.pk])

    with concurrency.held(project_lock(need)):
        page = client.post(pay_page)

    assert page.status_code == 200
    assert BUSY in page.content.decode()
    assert not CardPayment.objects.exists()
    assert fake_stripe.requests == []
    assert client.post(pay_page).status_code == 303
    assert not StripeEvent.objects.exists()


def test_a_refund_webhook_that_overtakes_stripes_answer_counts_the_refund_once(english, fake_stripe):
    need = cash_need()
    pledge, _session_id = paid_pledge(fake_stripe, need)
    client = english
    client.force_login(need.project.created_by)
    form = refund_form(client, pledge)
    seen = []

    def webhook_first(refund):
        # Stripe's refund.created reaches us before its answer to our call does.
        try:
            answer = post_event(Client(), fake_stripe.event("refund.created", refund))
            request = RefundRequest.objects.get()
            seen.append((answer.content, request.status, refundable_minor(CardPayment.objects.get())))
        finally:
            connections.close_all()

    fake_stripe.after_refund = webhook_first
    answer = client.post(refund_page(pledge), {**form, "amount": "300"}, follow=True)

    # Counted by the webhook, which answered the request in the same commit: 700 left, not 400.
    assert seen == [(b"applied", RefundRequest.Status.ACCEPTED, 70000)]
    assert "The refund is made: the donor gets the money back from Stripe." in answer.content.decode()
    assert CardRefund.objects.get().quantity == Decimal("300.00")
    assert StripeRefund.objects.get().status == StripeRefund.Status.COUNTED
    assert received(need) == Decimal("700.00")
    assert refund_form(client, pledge)["amount"] == "700.00"
    assert find_drift() == []
