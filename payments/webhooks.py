"""Stripe's webhooks: each event, verified by the view, applied exactly once per event id.

The event row is inserted in the transaction that applies it (a unique event id decides); the
payment it concerns is found from our metadata, the session or the PaymentIntent, asking Stripe
when needed, before any lock is taken.
"""

import logging
import re
import time

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import json_input
from payments.models import CardPayment, StripeEvent
from payments.stripe_api import (
    card_payments_enabled,
    id_of,
    locked_transaction,
    stripe_client,
    stripe_member,
    unavailable,
)
from payments.transitions import Outcome, apply_charge_refunded, apply_refund_event, apply_session, our_id

logger = logging.getLogger(__name__)

SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
CHARGE_REFUNDED = "charge.refunded"
# A refund's own events: its object says how it stands (a failed one is given back).
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
APPLIED_EVENTS = (*SESSION_EVENTS, CHARGE_REFUNDED, *REFUND_EVENTS)

# A signature dated up to this long after our clock's now is taken (our clock running behind
# Stripe's); later is refused. Stripe's SDK checks only the past (signed at most 300 s ago):
# the same 5 minutes the other way. A copy of a signed event is then usable for at most 10
# minutes of our clock, and applying it again changes nothing (its event id is stored once).
FUTURE_TOLERANCE_SECONDS = 300

# Stripe's ids are a prefix and letters, digits and underscores (evt_1Q…, cs_test_a1…, pi_3P…);
# our columns hold 255 characters.
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
EVENT_TYPE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
EVENT_TYPE_MAX = 100  # StripeEvent.type
CURRENCY = re.compile(r"[A-Za-z]{3}")
# What a PositiveBigIntegerField holds; Stripe's own amounts stay far below (eight digits).
MAX_AMOUNT = 2**63 - 1


class MalformedEvent(ValueError):
    """A signed body that is not an event of the shape we apply: 400, nothing recorded."""


class SignedInTheFuture(stripe.SignatureVerificationError):
    """A valid signature dated more than FUTURE_TOLERANCE_SECONDS ahead of our clock: 400."""


def verify_signature(*, body, header, secret, now=None):
    """Stripe signed `body` (Stripe-Signature: t=…,v1=HMAC), at most 300 s ago (the SDK's check)
    and at most FUTURE_TOLERANCE_SECONDS ahead of our clock. Raises SignatureVerificationError."""
    stripe.WebhookSignature.verify_header(body, header, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    # The header parsed as the SDK parses it (it has just accepted it): the first t= item.
    signed_at = int(next(item.split("=", 2)[1] for item in header.split(",") if item.split("=", 2)[0] == "t"))
    now = time.time() if now is None else now
    if signed_at > now + FUTURE_TOLERANCE_SECONDS:
        raise SignedInTheFuture(
            f"Stripe-Signature timestamp {signed_at} is {signed_at - now:.0f} s ahead of our clock; more than "
            f"{FUTURE_TOLERANCE_SECONDS} s is refused (check this server's clock)",
            header,
            body,
        )


def _require(condition, what):
    if not condition:
        raise MalformedEvent(what)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_optional(obj, name, check, what):
    value = obj.get(name)
    _require(value is None or check(value), f"{name}: {what}")


def _is_stripe_id(value):
    return isinstance(value, str) and STRIPE_ID.fullmatch(value) is not None


def _is_expandable_id(value):
    """An expandable field: an id, or the expanded object with its id."""
    return _is_stripe_id(value) or (isinstance(value, dict) and _is_stripe_id(value.get("id")))


def _is_amount(value):
    return _is_int(value) and 0 <= value <= MAX_AMOUNT


def _is_metadata(value):
    # Stripe's metadata is an object of strings (keys and values).
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _check_payment_object(obj):
    """The fields of a Checkout Session or a Charge that the transitions read."""
    _require(_is_stripe_id(obj.get("id")), "data.object.id: not a Stripe id")
    _check_optional(obj, "metadata", _is_metadata, "not an object of strings")
    _check_optional(obj, "payment_intent", _is_expandable_id, "not a PaymentIntent id or object")
    for name in ("amount_total", "amount", "amount_refunded"):
        _check_optional(obj, name, _is_amount, f"not a whole number from 0 to {MAX_AMOUNT}")
    _check_optional(obj, "currency", lambda value: isinstance(value, str) and CURRENCY.fullmatch(value), "not a code")
    for name in ("status", "payment_status"):
        _check_optional(obj, name, lambda value: isinstance(value, str), "not a string")
    _check_optional(obj, "paid", lambda value: isinstance(value, bool), "not a boolean")


def _check_refund_object(obj):
    """The fields of a Refund that the transitions read."""
    _require(_is_stripe_id(obj.get("id")), "data.object.id: not a Stripe id")
    _require(_is_amount(obj.get("amount")), f"data.object.amount: not a whole number from 0 to {MAX_AMOUNT}")
    _check_optional(obj, "metadata", _is_metadata, "not an object of strings")
    for name in ("payment_intent", "charge"):
        _check_optional(obj, name, _is_expandable_id, "not a Stripe id or object")
    for name in ("status", "failure_reason"):
        _check_optional(obj, name, lambda value: isinstance(value, str) and len(value) <= 255, "not a short string")
    _check_optional(obj, "created", _is_int, "not a Unix time")


def event_from_body(body):
    """The event in a webhook body whose signature was verified, checked for everything that
    webhook_process and the transitions read, before any of them runs; or MalformedEvent.

    Stripe's own events always pass. What is refused could not be stored or looked up as is (a NUL,
    an id longer than our columns, an amount beyond a bigint or negative, a 3 000-level nesting)
    or is not Stripe's shape (data, data.object or metadata not objects, an id that is a list).
    Events of types we do not apply need only the envelope: they are stored and ignored."""
    try:
        event = json_input.parse(body.decode("utf-8"))
    except (UnicodeDecodeError, json_input.InvalidJSON) as error:
        raise MalformedEvent(f"not JSON we take: {error}") from None
    _require(isinstance(event, dict), "not an object")
    _require(_is_stripe_id(event.get("id")), "id: not a Stripe id")
    event_type = event.get("type")
    _require(
        isinstance(event_type, str) and len(event_type) <= EVENT_TYPE_MAX and EVENT_TYPE.fullmatch(event_type),
        "type: not an event type",
    )
    _check_optional(event, "created", _is_int, "not a Unix time")
    _check_optional(event, "livemode", lambda value: isinstance(value, bool), "not a boolean")
    data = event.get("data")
    _require(isinstance(data, dict), "data: not an object")
    _require(isinstance(data.get("object"), dict), "data.object: not an object")
    if event_type in (*SESSION_EVENTS, CHARGE_REFUNDED):
        _check_payment_object(data["object"])
    elif event_type in REFUND_EVENTS:
        _check_refund_object(data["object"])
    return event


def _payment_from_metadata(metadata):
    metadata = metadata or {}
    payment_id, pledge_id = our_id(metadata.get("card_payment_id")), our_id(metadata.get("pledge_id"))
    if payment_id is None or pledge_id is None:
        return None
    return CardPayment.objects.filter(pk=payment_id, pledge_id=pledge_id).values_list("pk", flat=True).first()


def _payment_for_session(session):
    return _payment_from_metadata(session.get("metadata")) or (
        CardPayment.objects.filter(checkout_session_id=session.get("id")).values_list("pk", flat=True).first()
    )


def _payment_for_charge(charge):
    """The card payment of a Charge or a Refund (both name their PaymentIntent)."""
    payment_intent_id = id_of(charge.get("payment_intent"))
    found = _payment_from_metadata(charge.get("metadata"))
    if found is None and payment_intent_id:
        found = CardPayment.objects.filter(payment_intent_id=payment_intent_id).values_list("pk", flat=True).first()
    if found is None and payment_intent_id and card_payments_enabled():
        # Not known yet (the refund overtook the session's events): the PaymentIntent carries
        # the metadata we gave the session.
        try:
            payment_intent = stripe_client().v1.payment_intents.retrieve(payment_intent_id)
        except stripe.InvalidRequestError:
            return None  # not a PaymentIntent of this account
        except stripe.StripeError as error:
            raise unavailable(error, f"retrieve {payment_intent_id}") from error
        found = _payment_from_metadata(payment_intent.to_dict().get("metadata"))
    return found


def refunds_of_charge(charge_id):
    """Every refund of this charge as Stripe's API lists it now, whatever its status: what a
    charge.refunded event means, refund by refund (its charge says only a total)."""
    try:
        listed = stripe_client().v1.refunds.list(params={"charge": charge_id, "limit": 100})
        return [refund.to_dict() for refund in listed.auto_paging_iter()]
    except stripe.StripeError as error:
        raise unavailable(error, f"list refunds of {charge_id}") from error


def webhook_process(*, event):
    """Apply one Stripe event whose signature was verified: exactly once per event id.

    The event row is inserted first, in the transaction that applies the event: a concurrent
    delivery of the same event waits on the unique index, then finds it taken and does nothing;
    a delivery whose processing failed leaves no row, so Stripe's retry applies it. Unknown
    types are stored and ignored. Returns an Outcome; raises PaymentBusy when the project stays
    locked, PaymentUnavailable when Stripe must be asked and cannot be (the view answers 503).
    """
    event_type = event.get("type", "")
    data = event["data"]["object"]
    actor = stripe_member()
    payment_id = refunds = None
    # Finding the payment, and a charge's refunds, may ask Stripe: done before any lock is taken.
    if event_type in SESSION_EVENTS:
        payment_id = _payment_for_session(data)
    elif event_type in (CHARGE_REFUNDED, *REFUND_EVENTS):
        payment_id = _payment_for_charge(data)
    if event_type == CHARGE_REFUNDED and payment_id is not None:
        refunds = refunds_of_charge(data["id"])
    with locked_transaction(f"Stripe event {event['id']}"):
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event["id"], type=event_type[:100], livemode=bool(event.get("livemode")), payload=event
                )
        except IntegrityError:
            logger.info("Stripe event %s (%s) already applied", event["id"], event_type)
            return Outcome.DUPLICATE
        if event_type not in APPLIED_EVENTS:
            outcome = Outcome.IGNORED
        elif payment_id is None:
            logger.warning("Stripe event %s (%s) matches no card payment of ours", event["id"], event_type)
            outcome = Outcome.UNMATCHED
        elif event_type == CHARGE_REFUNDED:
            outcome = apply_charge_refunded(payment_id, data, refunds, actor=actor)
        elif event_type in REFUND_EVENTS:
            outcome = apply_refund_event(payment_id, data, actor=actor)
        else:
            outcome = apply_session(
                payment_id, data, actor=actor, failed=event_type == "checkout.session.async_payment_failed"
            )
        record.outcome = outcome
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    return outcome
