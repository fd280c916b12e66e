"""Stripe's webhooks, signed as Stripe signs them and posted to the real endpoint: a payment counts
once however often and in whatever order its events come; what Stripe did not sign changes
nothing; refunds reduce what was received; a mismatched amount is refused and never counted.

Slightly over 400 lines: one feature, the webhook endpoint, whose tests share one signed-event
set-up."""

import json
import logging
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Member
from accounts.tests.factories import MemberFactory
from donations.models import CardRefund, Need, Pledge, PledgeEvent, Reception
from donations.progress import needs_with_progress
from donations.selectors import project_supporters
from donations.services import pledge_cancel, pledge_create
from donations.tests.factories import NeedFactory
from payments.models import CardPayment, StripeEvent
from payments.stripe_api import STRIPE_HANDLE
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of, sign
from projects.tests.factories import ProjectFactory
from publishing.selectors import project_detail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def project():
    return ProjectFactory(currency="MAD")


@pytest.fixture
def fund(project):
    return NeedFactory(project=project, cash=True, target_quantity=Decimal("50000"))


@pytest.fixture
def pledge(fake_stripe, fund):
    return card_pledge(fund, "1000.00")


@pytest.fixture
def session_id(pledge):
    return session_id_of(open_checkout(pledge))


def progress(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get()


def statuses_of(pledge):
    return list(PledgeEvent.objects.filter(pledge=pledge).order_by("id").values_list("to_status", flat=True))


def assert_nothing_counted(pledge):
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    assert not Reception.objects.exists()
    assert progress(pledge.need).received == Decimal("0")


def test_a_paid_session_counts_as_a_reception_recorded_by_stripe(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)

    answer = post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    assert (answer.status_code, answer.content) == (200, b"applied")
    reception = Reception.objects.get()
    payment_intent_id = fake_stripe.sessions[session_id]["payment_intent"]
    assert reception.quantity == Decimal("1000.00")
    assert reception.recorded_by.handle == STRIPE_HANDLE
    assert payment_intent_id in reception.note
    payment = CardPayment.objects.get()
    assert (payment.status, payment.payment_intent_id, payment.reception) == (
        CardPayment.Status.PAID,
        payment_intent_id,
        reception,
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FULFILLED
    assert statuses_of(pledge) == [Pledge.Status.PLEDGED, Pledge.Status.FULFILLED]
    assert PledgeEvent.objects.filter(pledge=pledge).last().actor.handle == STRIPE_HANDLE
    shown = progress(fund)
    assert (shown.received, shown.pledged, shown.supporters) == (Decimal("1000.00"), Decimal("1000.00"), 1)
    assert project_detail(slug=fund.project.slug).cash_received == Decimal("1000.00")
    assert StripeEvent.objects.get().outcome == "applied"


def test_the_same_event_delivered_three_times_counts_once(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    event = fake_stripe.session_event("checkout.session.completed", session_id)

    answers = [post_event(client, event) for _ in range(3)]

    assert [(answer.status_code, answer.content) for answer in answers] == [
        (200, b"applied"),
        (200, b"duplicate"),
        (200, b"duplicate"),
    ]
    assert Reception.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    assert progress(fund).received == Decimal("1000.00")
    assert statuses_of(pledge) == [Pledge.Status.PLEDGED, Pledge.Status.FULFILLED]


def test_every_event_saying_paid_counts_the_payment_once(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    completed = fake_stripe.session_event("checkout.session.completed", session_id)
    succeeded = fake_stripe.session_event("checkout.session.async_payment_succeeded", session_id)

    assert post_event(client, succeeded).content == b"applied"
    assert post_event(client, completed).content == b"unchanged"

    assert Reception.objects.count() == 1
    assert StripeEvent.objects.count() == 2
    assert progress(fund).received == Decimal("1000.00")


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "tampered body", "unsigned", "stale", "garbage header", "other scheme"],
)
def test_what_stripe_did_not_sign_is_refused_and_changes_nothing(client, fake_stripe, pledge, session_id, how):
    fake_stripe.pay(session_id)
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    payload = json.dumps(event)
    url = reverse("payments:stripe_webhook")
    if how == "wrong secret":
        answer = post_event(client, event, secret="whsec_forged")
    elif how == "tampered body":
        signature = sign(payload)
        event["data"]["object"]["amount_total"] = 1
        answer = post_event(client, event, signature=signature)
    elif how == "unsigned":
        answer = post_event(client, event, signature="")
    elif how == "stale":
        answer = post_event(client, event, timestamp=time.time() - 301)
    elif how == "garbage header":
        answer = client.post(url, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=now,v1=x")
    else:
        digest = sign(payload).split("v1=")[1]
        answer = client.post(
            url,
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=f"t={int(time.time())},v0={digest}",
        )

    assert answer.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_nothing_counted(pledge)
    assert CardPayment.objects.get().status == CardPayment.Status.PENDING


def test_a_signature_within_stripes_tolerance_is_accepted(client, fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    assert post_event(client, event, timestamp=time.time() - 250).status_code == 200
    assert Reception.objects.count() == 1


def test_a_signed_body_that_is_not_an_event_is_refused(client, fake_stripe):
    for body in ("[]", '{"id": "evt_1"}', '{"id": "evt_1", "type": "x", "data": {}}', "not json"):
        answer = client.post(
            reverse("payments:stripe_webhook"),
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body),
        )
        assert answer.status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_webhook_answers_only_posts(client, fake_stripe):
    assert client.get(reverse("payments:stripe_webhook")).status_code == 405


def test_without_a_webhook_secret_events_are_not_applied_and_stripe_retries(
    client, settings, fake_stripe, pledge, session_id
):
    fake_stripe.pay(session_id)
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_event(client, event).status_code == 503
    assert_nothing_counted(pledge)
    settings.STRIPE_WEBHOOK_SECRET = "whsec_tiwizi_test_secret"
    assert post_event(client, event).status_code == 200
    assert Reception.objects.count() == 1


def test_unknown_event_types_are_acknowledged_and_ignored(client, fake_stripe, pledge):
    event = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    answer = post_event(client, event)
    assert (answer.status_code, answer.content) == (200, b"ignored")
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.outcome) == (event["id"], "customer.created", "ignored")
    assert stored.payload == event
    assert stored.processed_at is not None
    assert_nothing_counted(pledge)


def test_a_session_that_is_not_ours_is_acknowledged_and_changes_nothing(client, fake_stripe, pledge):
    stranger = {
        "id": "cs_test_elsewhere",
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 100000,
        "currency": "mad",
        "metadata": {"pledge_id": str(pledge.pk), "card_payment_id": "999999"},
        "payment_intent": "pi_elsewhere",
    }
    answer = post_event(client, fake_stripe.event("checkout.session.completed", stranger))
    assert (answer.status_code, answer.content) == (200, b"unmatched")
    assert_nothing_counted(pledge)


def test_a_delayed_payment_waits_for_its_outcome_then_counts(client, fake_stripe, pledge, session_id, login):
    fake_stripe.pay(session_id, delayed=True)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    assert CardPayment.objects.get().status == CardPayment.Status.PROCESSING
    assert_nothing_counted(pledge)
    page = login(pledge.donor).get(reverse("payments:card_return", args=[pledge.pk]))
    assert "being processed by your bank" in page.content.decode()

    fake_stripe.settle_delayed(session_id)
    answer = post_event(client, fake_stripe.session_event("checkout.session.async_payment_succeeded", session_id))

    assert answer.content == b"applied"
    assert CardPayment.objects.get().status == CardPayment.Status.PAID
    assert Reception.objects.get().quantity == Decimal("1000.00")


def test_a_delayed_payment_that_fails_counts_nothing_and_may_be_tried_again(client, fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id, delayed=True)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    fake_stripe.settle_delayed(session_id, succeeded=False)

    post_event(client, fake_stripe.session_event("checkout.session.async_payment_failed", session_id))

    assert CardPayment.objects.get().status == CardPayment.Status.FAILED
    assert_nothing_counted(pledge)
    assert session_id_of(open_checkout(pledge)) != session_id
    assert CardPayment.objects.filter(status=CardPayment.Status.PENDING).count() == 1


def test_an_expired_session_counts_nothing(client, fake_stripe, pledge, session_id):
    fake_stripe.expire(session_id)
    answer = post_event(client, fake_stripe.session_event("checkout.session.expired", session_id))
    assert answer.content == b"applied"
    assert CardPayment.objects.get().status == CardPayment.Status.EXPIRED
    assert_nothing_counted(pledge)


def test_a_mismatched_amount_is_refused_loudly_and_never_counted(
    client, fake_stripe, pledge, session_id, fund, caplog, login
):
    fake_stripe.pay(session_id, charged=10000)  # 100.00 MAD charged for a 1000.00 MAD pledge

    with caplog.at_level(logging.ERROR, logger="payments.transitions"):
        answer = post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    assert (answer.status_code, answer.content) == (200, b"refused")
    assert any("refused" in record.getMessage() and record.levelno == logging.ERROR for record in caplog.records)
    assert_nothing_counted(pledge)
    payment = CardPayment.objects.get()
    assert (payment.status, payment.charged_minor, payment.reception) == (CardPayment.Status.REFUSED, 10000, None)
    pledge.refresh_from_db()
    assert pledge.payment_alert == Pledge.PaymentAlert.AMOUNT_REFUSED
    # Any later word on the same payment still counts nothing.
    post_event(client, fake_stripe.session_event("checkout.session.async_payment_succeeded", session_id))
    assert_nothing_counted(pledge)
    # The leads see it on their dashboard.
    dashboard = login(fund.project.created_by).get(reverse("pages:dashboard", args=[fund.project.slug]))
    assert "differs from this pledge: it is not counted" in dashboard.content.decode()


def test_a_currency_mismatch_is_refused(client, fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)
    fake_stripe.sessions[session_id]["currency"] = "eur"
    answer = post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    assert answer.content == b"refused"
    assert_nothing_counted(pledge)


def test_xof_payments_count_in_whole_francs(client, fake_stripe):
    need = NeedFactory(project=ProjectFactory(currency="XOF"), cash=True, target_quantity=Decimal("1000000"))
    pledge = card_pledge(need, "5000")
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    assert fake_stripe.sessions[session_id]["amount_total"] == 5000

    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    assert Reception.objects.get().quantity == Decimal("5000")
    assert progress(need).received == Decimal("5000")


def test_a_partial_refund_reduces_what_was_received(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"], 30000)

    answer = post_event(client, fake_stripe.charge_refunded_event(session_id))

    assert answer.content == b"applied"
    assert Reception.objects.get().quantity == Decimal("1000.00")  # receptions are never edited
    assert CardRefund.objects.get().quantity == Decimal("300.00")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PARTIALLY_REFUNDED
    shown = progress(fund)
    # What it brought, net: nothing more is expected from it.
    assert (shown.received, shown.pledged, shown.supporters) == (Decimal("700.00"), Decimal("700.00"), 1)
    assert CardPayment.objects.get().status == CardPayment.Status.PARTIALLY_REFUNDED


def test_a_full_refund_marks_the_pledge_refunded_and_withdraws_it(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])

    post_event(client, fake_stripe.charge_refunded_event(session_id))

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    assert statuses_of(pledge) == [Pledge.Status.PLEDGED, Pledge.Status.FULFILLED, Pledge.Status.REFUNDED]
    shown = progress(fund)
    assert (shown.received, shown.pledged, shown.supporters) == (Decimal("0"), Decimal("0"), 0)
    assert project_supporters(project=fund.project) == []
    listed = project_detail(slug=fund.project.slug)
    assert (listed.cash_received, listed.cash_pledged, listed.supporters) == (Decimal("0"), Decimal("0"), 0)
    assert CardPayment.objects.get().status == CardPayment.Status.REFUNDED


def test_refunds_reported_out_of_order_keep_the_largest_total(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))
    payment_intent_id = fake_stripe.sessions[session_id]["payment_intent"]
    fake_stripe.refund(payment_intent_id, 10000)
    first = fake_stripe.charge_refunded_event(session_id)  # 100.00 refunded in all
    fake_stripe.refund(payment_intent_id, 20000)
    second = fake_stripe.charge_refunded_event(session_id)  # 300.00 refunded in all

    outcomes = [post_event(client, event).content for event in (second, first, second, first)]

    assert outcomes == [b"applied", b"unchanged", b"duplicate", b"duplicate"]
    assert sum(refund.quantity for refund in CardRefund.objects.all()) == Decimal("300.00")
    assert progress(fund).received == Decimal("700.00")


def test_a_refund_that_overtakes_its_payment_ends_in_the_right_state(client, fake_stripe, pledge, session_id, fund):
    fake_stripe.pay(session_id)
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"])
    completed = fake_stripe.session_event("checkout.session.completed", session_id)
    refunded = fake_stripe.charge_refunded_event(session_id)

    # The charge carries no metadata: the PaymentIntent, asked from Stripe, says whose it is.
    assert post_event(client, refunded).content == b"applied"
    assert post_event(client, completed).content == b"unchanged"

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    assert statuses_of(pledge) == [Pledge.Status.PLEDGED, Pledge.Status.FULFILLED, Pledge.Status.REFUNDED]
    assert Reception.objects.count() == 1
    assert CardRefund.objects.get().quantity == Decimal("1000.00")
    assert progress(fund).received == Decimal("0")
    assert fake_stripe.calls("GET", "/v1/payment_intents/")


def test_a_payment_after_the_donor_cancelled_is_counted_and_flagged(client, fake_stripe, pledge, session_id, fund):
    pledge_cancel(pledge=pledge, actor=pledge.donor)
    fake_stripe.pay(session_id)  # the Checkout page was still open

    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert pledge.payment_alert == Pledge.PaymentAlert.PAID_AFTER_CANCELLATION
    assert progress(fund).received == Decimal("1000.00")  # the money did arrive


def test_stripe_records_as_a_member_who_cannot_log_in(client, fake_stripe, pledge, session_id):
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    stripe = Member.objects.get(handle=STRIPE_HANDLE)
    assert not stripe.is_active
    assert not stripe.has_usable_password()
    assert not client.login(request=RequestFactory().post("/accounts/login/"), username=STRIPE_HANDLE, password="")
    assert client.get(reverse("pages:profile", args=[STRIPE_HANDLE])).status_code == 404


def test_card_pledges_count_with_offline_ones_on_every_page(client, fake_stripe, pledge, session_id, fund):
    other = pledge_create(donor=MemberFactory(password=None), need=fund, quantity="250", channel="bank_transfer")
    fake_stripe.pay(session_id)
    post_event(client, fake_stripe.session_event("checkout.session.completed", session_id))

    detail = project_detail(slug=fund.project.slug)
    assert (detail.cash_pledged, detail.cash_received, detail.supporters) == (Decimal("1250.00"), Decimal("1000.00"), 2)
    supporters = project_supporters(project=fund.project)
    assert {row.pk for row in supporters} == {pledge.pk, other.pk}
    assert all(row.donor_shown_to(AnonymousUser()) for row in supporters)
