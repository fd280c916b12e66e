"""Stripe's webhooks: each event, verified by the view, applied exactly once per event id.

The event row is inserted in the transaction that applies it (a unique event id decides); the
payment it concerns is found from our metadata, the session or the PaymentIntent, asking Stripe
when needed, before any lock is taken.
"""

import logging

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import CardPayment, StripeEvent
from payments.stripe_api import (
    card_payments_enabled,
    id_of,
    set_lock_timeout,
    stripe_client,
    stripe_member,
    unavailable,
)
from payments.transitions import Outcome, apply_charge_refunded, apply_session

logger = logging.getLogger(__name__)

SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
CHARGE_REFUNDED = "charge.refunded"


def _payment_from_metadata(metadata):
    metadata = metadata or {}
    try:
        payment_id, pledge_id = int(metadata.get("card_payment_id")), int(metadata.get("pledge_id"))
    except (TypeError, ValueError):
        return None
    return CardPayment.objects.filter(pk=payment_id, pledge_id=pledge_id).values_list("pk", flat=True).first()


def _payment_for_session(session):
    return _payment_from_metadata(session.get("metadata")) or (
        CardPayment.objects.filter(checkout_session_id=session.get("id")).values_list("pk", flat=True).first()
    )


def _payment_for_charge(charge):
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


def webhook_process(*, event):
    """Apply one Stripe event whose signature was verified: exactly once per event id.

    The event row is inserted first, in the transaction that applies the event: a concurrent
    delivery of the same event waits on the unique index, then finds it taken and does nothing;
    a delivery whose processing failed leaves no row, so Stripe's retry applies it. Unknown
    types are stored and ignored. Returns an Outcome.
    """
    event_type = event.get("type", "")
    data = event["data"]["object"]
    actor = stripe_member()
    payment_id = None
    # Finding the payment may ask Stripe: done before any lock is taken.
    if event_type in SESSION_EVENTS:
        payment_id = _payment_for_session(data)
    elif event_type == CHARGE_REFUNDED:
        payment_id = _payment_for_charge(data)
    with transaction.atomic(durable=True):
        set_lock_timeout()
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event["id"], type=event_type[:100], livemode=bool(event.get("livemode")), payload=event
                )
        except IntegrityError:
            logger.info("Stripe event %s (%s) already applied", event["id"], event_type)
            return Outcome.DUPLICATE
        if event_type not in (*SESSION_EVENTS, CHARGE_REFUNDED):
            outcome = Outcome.IGNORED
        elif payment_id is None:
            logger.warning("Stripe event %s (%s) matches no card payment of ours", event["id"], event_type)
            outcome = Outcome.UNMATCHED
        elif event_type == CHARGE_REFUNDED:
            outcome = apply_charge_refunded(payment_id, data, actor=actor)
        else:
            outcome = apply_session(
                payment_id, data, actor=actor, failed=event_type == "checkout.session.async_payment_failed"
            )
        record.outcome = outcome
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    return outcome
