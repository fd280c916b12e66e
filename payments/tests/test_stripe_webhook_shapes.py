"""Signed webhooks of a shape we cannot apply are a 400 that records nothing (payments/webhooks.py,
event_from_body), whatever field is off; and a signature dated ahead of our clock by more than
5 minutes (FUTURE_TOLERANCE_SECONDS) is refused like a stale one, saying why.

Each event below is a real paid session's (or refund's) event, signed as Stripe signs, with one
field broken: accepted, it would count the payment. Several were 500s (a list where an object
goes, an id longer than its column, an amount beyond a bigint, a NUL that jsonb refuses)."""

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from donations.models import CardRefund, Need, Pledge, Reception
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from payments.models import CardPayment, StripeEvent, StripeRefund
from payments.tests.stripe_fake import card_pledge, open_checkout, post_event, session_id_of, sign
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(fake_stripe):
    need = NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("50000"))
    return card_pledge(need, "1000.00")


@pytest.fixture
def session_id(fake_stripe, pledge):
    session_id = session_id_of(open_checkout(pledge))
    fake_stripe.pay(session_id)
    return session_id


def assert_nothing_recorded(pledge):
    assert not StripeEvent.objects.exists()
    assert not Reception.objects.exists()
    assert not CardRefund.objects.exists()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PLEDGED
    assert needs_with_progress(Need.objects.filter(pk=pledge.need_id)).get().received == Decimal("0")
    payment = CardPayment.objects.get()
    assert (payment.status, payment.payment_intent_id, payment.charged_minor) == (
        CardPayment.Status.PENDING,
        None,
        None,
    )


def without(mapping, key):
    return {name: value for name, value in mapping.items() if name != key}


def with_object(event, **fields):
    return {**event, "data": {"object": {**event["data"]["object"], **fields}}}


# (what is broken, how the event becomes so)
BROKEN = [
    ("data null", lambda e: {**e, "data": None}),
    ("data a list", lambda e: {**e, "data": [e["data"]]}),
    ("data a string", lambda e: {**e, "data": "object"}),
    ("data missing", lambda e: without(e, "data")),
    ("data.object missing", lambda e: {**e, "data": {}}),
    ("data.object null", lambda e: {**e, "data": {"object": None}}),
    ("data.object a list", lambda e: {**e, "data": {"object": [e["data"]["object"]]}}),
    ("metadata a list", lambda e: with_object(e, metadata=[["pledge_id", "1"]])),
    ("metadata of numbers", lambda e: with_object(e, metadata={"pledge_id": 1, "card_payment_id": 1})),
    ("payment_intent a list", lambda e: with_object(e, payment_intent=["pi_1"])),
    ("payment_intent an object without id", lambda e: with_object(e, payment_intent={"object": "payment_intent"})),
    ("payment_intent an object with a list id", lambda e: with_object(e, payment_intent={"id": ["pi_1"]})),
    ("payment_intent too long", lambda e: with_object(e, payment_intent="pi_" + "x" * 300)),
    ("id over 255 characters", lambda e: {**e, "id": "evt_" + "x" * 300}),
    ("id a list", lambda e: {**e, "id": [e["id"]]}),
    ("id missing", lambda e: without(e, "id")),
    ("id holding a NUL", lambda e: {**e, "id": e["id"] + "\u0000"}),
    ("type missing", lambda e: without(e, "type")),
    ("type a number", lambda e: {**e, "type": 7}),
    ("type a list", lambda e: {**e, "type": [e["type"]]}),
    ("type over 100 characters", lambda e: {**e, "type": "checkout.session." + "x" * 100}),
    ("amount_total a string", lambda e: with_object(e, amount_total="100000")),
    ("amount_total negative", lambda e: with_object(e, amount_total=-100000)),
    ("amount_total beyond a bigint", lambda e: with_object(e, amount_total=10**30)),
    ("amount_total a boolean", lambda e: with_object(e, amount_total=True)),
    ("amount_total a fraction", lambda e: with_object(e, amount_total=1000.5)),
    ("currency not a code", lambda e: with_object(e, currency="dirham")),
    ("created a string", lambda e: {**e, "created": "yesterday"}),
    ("created a fraction", lambda e: {**e, "created": 1.5}),
    ("livemode a string", lambda e: {**e, "livemode": "false"}),
    ("the session's id missing", lambda e: {**e, "data": {"object": without(e["data"]["object"], "id")}}),
    ("a NUL in metadata", lambda e: with_object(e, metadata={**e["data"]["object"]["metadata"], "note": "\u0000"})),
    ("a NUL in a key", lambda e: with_object(e, **{"\u0000": 1})),
    ("nested 3 000 levels", lambda e: {**e, "deep": True}),
]


def payload_of(event):
    if event.pop("deep", False):
        text = json.dumps(event)
        return text[:-1] + ', "padding": ' + "[" * 3000 + "]" * 3000 + "}"
    return json.dumps(event)


@pytest.mark.parametrize(("broken", "breaks"), BROKEN, ids=[broken for broken, _ in BROKEN])
def test_a_signed_session_event_of_the_wrong_shape_is_a_400_and_records_nothing(
    client, fake_stripe, pledge, session_id, broken, breaks
):
    event = breaks(fake_stripe.session_event("checkout.session.completed", session_id))
    payload = payload_of(event)

    answer = client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )

    assert answer.status_code == 400
    assert_nothing_recorded(pledge)


REFUND_BROKEN = [
    ("amount_refunded negative", lambda e: with_object(e, amount_refunded=-1)),
    ("amount_refunded a string", lambda e: with_object(e, amount_refunded="30000")),
    ("amount beyond a bigint", lambda e: with_object(e, amount=2**64)),
    ("payment_intent a list", lambda e: with_object(e, payment_intent=[e["data"]["object"]["payment_intent"]])),
    ("metadata a list", lambda e: with_object(e, metadata=[])),
    ("paid a string", lambda e: with_object(e, paid="yes")),
]


@pytest.mark.parametrize(("broken", "breaks"), REFUND_BROKEN, ids=[broken for broken, _ in REFUND_BROKEN])
def test_a_signed_refund_event_of_the_wrong_shape_is_a_400_and_records_nothing(
    client, fake_stripe, pledge, session_id, broken, breaks
):
    fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"], 30000)
    event = breaks(fake_stripe.charge_refunded_event(session_id))

    assert post_event(client, event).status_code == 400
    assert_nothing_recorded(pledge)


REFUND_OBJECT_BROKEN = [
    ("amount missing", lambda e: {**e, "data": {"object": without(e["data"]["object"], "amount")}}),
    ("amount negative", lambda e: with_object(e, amount=-30000)),
    ("amount a string", lambda e: with_object(e, amount="30000")),
    ("id over 255 characters", lambda e: with_object(e, id="re_" + "x" * 300)),
    ("status a list", lambda e: with_object(e, status=["failed"])),
    ("failure_reason over 255 characters", lambda e: with_object(e, failure_reason="x" * 300)),
    ("metadata a list", lambda e: with_object(e, metadata=[])),
    ("charge a list", lambda e: with_object(e, charge=["ch_1"])),
]


@pytest.mark.parametrize("event_type", ["refund.failed", "charge.refund.updated"])
@pytest.mark.parametrize(("broken", "breaks"), REFUND_OBJECT_BROKEN, ids=[broken for broken, _ in REFUND_OBJECT_BROKEN])
def test_a_signed_failed_refund_event_of_the_wrong_shape_is_a_400_and_records_nothing(
    client, fake_stripe, pledge, session_id, event_type, broken, breaks
):
    refund = fake_stripe.refund(fake_stripe.sessions[session_id]["payment_intent"], 30000)
    fake_stripe.fail_refund(refund["id"])
    event = breaks(fake_stripe.refund_event(event_type, refund["id"]))

    assert post_event(client, event).status_code == 400
    assert_nothing_recorded(pledge)
    assert not StripeRefund.objects.exists()


def test_an_expanded_payment_intent_and_ids_in_our_metadata_are_taken(client, fake_stripe, pledge, session_id):
    # The shapes Stripe does send: an expanded PaymentIntent object, null fields, unknown fields.
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    payment_intent_id = event["data"]["object"]["payment_intent"]
    event = with_object(event, payment_intent={"id": payment_intent_id, "object": "payment_intent"}, customer=None)

    answer = post_event(client, event)

    assert (answer.status_code, answer.content) == (200, b"applied")
    assert CardPayment.objects.get().payment_intent_id == payment_intent_id
    assert Reception.objects.get().quantity == Decimal("1000.00")


@pytest.mark.parametrize(
    "metadata",
    [
        {"pledge_id": "１", "card_payment_id": "１"},  # digits, but not the ASCII ones we write
        {"pledge_id": "9" * 30, "card_payment_id": "9" * 30},  # beyond a bigint
        {"pledge_id": "1_0", "card_payment_id": "1"},
    ],
)
def test_metadata_that_is_not_ours_matches_no_payment(client, fake_stripe, pledge, metadata):
    stranger = {"id": "cs_test_elsewhere", "status": "complete", "payment_status": "paid", "metadata": metadata}
    answer = post_event(client, fake_stripe.event("checkout.session.completed", stranger))
    assert (answer.status_code, answer.content) == (200, b"unmatched")
    assert not Reception.objects.exists()


def test_an_event_of_a_type_we_do_not_apply_needs_only_a_well_formed_envelope(client, fake_stripe, pledge):
    event = fake_stripe.event("customer.updated", {"id": "cus_1", "metadata": ["any", "shape"], "balance": "x"})
    answer = post_event(client, event)
    assert (answer.status_code, answer.content) == (200, b"ignored")
    assert StripeEvent.objects.get().outcome == "ignored"


def test_a_signature_dated_more_than_5_minutes_ahead_of_our_clock_is_refused(client, fake_stripe, pledge, session_id):
    event = fake_stripe.session_event("checkout.session.completed", session_id)

    ahead = post_event(client, event, timestamp=time.time() + 6 * 60)

    assert ahead.status_code == 400
    assert "ahead of our clock; more than 300 s is refused" in ahead.content.decode()
    assert_nothing_recorded(pledge)


def test_a_signature_4_minutes_ahead_of_our_clock_is_taken(client, fake_stripe, pledge, session_id):
    event = fake_stripe.session_event("checkout.session.completed", session_id)
    answer = post_event(client, event, timestamp=time.time() + 4 * 60)
    assert (answer.status_code, answer.content) == (200, b"applied")


def test_a_form_posted_to_the_webhook_is_a_400_not_an_error(client, fake_stripe, pledge):
    # The NUL check of form bodies (core/nul_bytes.py) must not consume the raw body it verifies.
    answer = client.post(
        reverse("payments:stripe_webhook"), {"id": "evt_1", "note": "a\x00b"}, HTTP_STRIPE_SIGNATURE="t=1,v1=x"
    )
    assert answer.status_code == 400
    assert not StripeEvent.objects.exists()
