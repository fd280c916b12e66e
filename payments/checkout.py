"""Starting a card payment on Stripe Checkout, and asking Stripe how a session stands.

One open attempt per pledge (a database constraint); its session is created with an idempotency
key derived from it, so double clicks, retries and concurrent requests all get the same session.
Nothing here marks anything paid: only Stripe's word does (webhooks.py, or payment_refresh,
which `manage.py stripe_reconcile` runs for payments whose webhook was lost).
"""

from datetime import timedelta

import stripe
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, IllegalTransition, NotAllowed
from donations.models import Pledge
from payments import permissions
from payments.models import CardPayment
from payments.money import check_card_amount
from payments.stripe_api import PaymentUnavailable, locked_transaction, stripe_client, stripe_member, unavailable
from payments.transitions import Outcome, apply_session, locked_rows, move
from projects.models import Project

# A Checkout page stays open this long (Stripe accepts 30 minutes to 24 hours).
SESSION_LIFETIME = timedelta(hours=1)
# An attempt whose session was never stored is given up after this: its donor never saw a
# Checkout page (the page's address comes only with the answer we did not store).
ATTEMPT_RETRY_WINDOW = timedelta(minutes=20)
# Project statuses in which money may still arrive on a pledge (as for receptions).
PAYABLE_PROJECT_STATUSES = (Project.Status.OPEN, Project.Status.CLOSED, Project.Status.COMPLETED)
# A PaymentIntent in one of these states after its session completed will not be paid.
FAILED_PAYMENT_INTENT_STATUSES = ("requires_payment_method", "canceled")


def _lock_pledge_for_payment(pledge_id):
    project_id = Pledge.objects.filter(pk=pledge_id).values_list("need__project_id", flat=True).get()
    project = Project.objects.select_for_update().get(pk=project_id)
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("need").get(pk=pledge_id)
    pledge.need.project = project
    return project, pledge


def _checkout_attempt(*, pledge_id, actor):
    """The pledge's open attempt, or a new one. The pledge is locked: two clicks get one attempt
    (and the one-open-attempt constraint stands behind it). PaymentBusy when the project stays
    locked: nothing was written."""
    with locked_transaction(f"checkout attempt for pledge {pledge_id}"):
        return _checkout_attempt_locked(pledge_id=pledge_id, actor=actor)


def _checkout_attempt_locked(*, pledge_id, actor):
    project, pledge = _lock_pledge_for_payment(pledge_id)
    if not permissions.can_pay_pledge(actor, pledge):
        raise NotAllowed(_("Only the donor may pay this pledge."))
    if not pledge.is_card:
        raise DomainError(_("This pledge is not paid by card."))
    if pledge.status != Pledge.Status.PLEDGED:
        raise IllegalTransition(_("This pledge is already paid, or closed: there is nothing to pay."))
    if pledge.card_payments.filter(status=CardPayment.Status.PROCESSING).exists():
        raise IllegalTransition(_("Your payment is being processed by your bank: it will show here once done."))
    if project.status not in PAYABLE_PROJECT_STATUSES:
        raise DomainError(_("This project no longer takes payments."))
    amount_minor = check_card_amount(pledge.quantity, project.currency)
    payment = pledge.card_payments.filter(status__in=CardPayment.OPEN_STATUSES).first()
    if payment and not payment.checkout_session_id and payment.created_at < timezone.now() - ATTEMPT_RETRY_WINDOW:
        move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.EXPIRED)
        payment = None
    if payment is None:
        payment = CardPayment.objects.create(pledge=pledge, amount_minor=amount_minor, currency=project.currency)
    return payment


def _session_params(payment, *, success_url, cancel_url):
    pledge = payment.pledge
    metadata = {"pledge_id": str(pledge.pk), "card_payment_id": str(payment.pk)}
    return {
        "mode": "payment",
        "submit_type": "donate",
        "client_reference_id": str(pledge.pk),
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": payment.amount_minor,
                    "product_data": {"name": f"{pledge.need.project.title} · {pledge.need.label}"[:250]},
                },
            }
        ],
        "metadata": metadata,
        # Copied to the PaymentIntent, where a refund event finds it.
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        # From the attempt's creation, not from now: a retry sends the very same parameters.
        "expires_at": int((payment.created_at + SESSION_LIFETIME).timestamp()),
    }


def checkout_start(*, pledge, actor, success_url, cancel_url):
    """The address of the Stripe Checkout page where the donor pays this card pledge.

    One open attempt per pledge; its session is created with the idempotency key
    `tiwizi-checkout-<attempt>-<amount><currency>`, so double clicks, retries and concurrent
    requests all get the same session. An attempt whose page has expired is refreshed from
    Stripe, and a new attempt made. Nothing here marks anything paid: only Stripe's word does.
    """
    for _attempt in range(2):
        payment = _checkout_attempt(pledge_id=pledge.pk, actor=actor)
        if not payment.checkout_url:
            break
        if payment.created_at + SESSION_LIFETIME > timezone.now() + timedelta(minutes=1):
            return payment.checkout_url
        # Its page has expired, or is about to: let Stripe say how it ended, then start again.
        payment_refresh(payment=payment)
    else:
        raise PaymentUnavailable(_("Card payments are unavailable right now: please try again in a few minutes."))
    payment = CardPayment.objects.select_related("pledge__need__project").get(pk=payment.pk)
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=_session_params(payment, success_url=success_url, cancel_url=cancel_url),
            options={"idempotency_key": f"tiwizi-checkout-{payment.pk}-{payment.amount_minor}{payment.currency}"},
        )
    except stripe.StripeError as error:
        raise unavailable(error, f"create session for card payment {payment.pk}") from error
    # Both at once, so that a concurrent click never finds the id without the address; only
    # while still empty (the same session, replayed by Stripe for every click).
    CardPayment.objects.filter(pk=payment.pk, checkout_url="").update(
        checkout_session_id=session.id, checkout_url=session.url, updated_at=timezone.now()
    )
    return session.url


def session_retrieve(session_id):
    """The Checkout Session as Stripe has it now, with its PaymentIntent, as a plain dict."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]})
    except stripe.StripeError as error:
        raise unavailable(error, f"retrieve {session_id}") from error
    return session.to_dict()


def session_says_failed(session):
    payment_intent = session.get("payment_intent")
    return (
        session.get("status") == "complete"
        and session.get("payment_status") != "paid"
        and isinstance(payment_intent, dict)
        and payment_intent.get("status") in FAILED_PAYMENT_INTENT_STATUSES
    )


def payment_refresh(*, payment, session=None):
    """Ask Stripe how this attempt's session stands and apply it, as its webhook would have.

    Safe at any time and any number of times: the same transitions as webhooks, under the
    same locks. An attempt that never got a session is given up once its window has passed.
    Returns an Outcome; raises PaymentUnavailable when Stripe cannot be asked, and PaymentBusy
    when the project stays locked (nothing changed: a later run applies it).
    """
    if not payment.checkout_session_id:
        if payment.created_at >= timezone.now() - ATTEMPT_RETRY_WINDOW:
            return Outcome.UNCHANGED
        with locked_transaction(f"give up card payment {payment.pk}"):
            _project, _pledge, payment = locked_rows(payment.pk)
            return move(payment, allowed_from=(CardPayment.Status.PENDING,), to=CardPayment.Status.EXPIRED)
    if session is None:
        session = session_retrieve(payment.checkout_session_id)
    actor = stripe_member()
    with locked_transaction(f"refresh card payment {payment.pk}"):
        return apply_session(payment.pk, session, actor=actor, failed=session_says_failed(session))


def payments_to_reconcile(*, older_than):
    """Card payments still waiting on Stripe's word after `older_than` (a timedelta)."""
    return CardPayment.objects.filter(
        status__in=CardPayment.OPEN_STATUSES, created_at__lte=timezone.now() - older_than
    ).order_by("created_at", "pk")
