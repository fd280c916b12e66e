"""A lead gives card money back through Stripe: in full or in part, never more than was paid and
not yet asked back, and never twice (the request row is committed first and gives the call its
idempotency key; the form's one-time token makes a double submission the same request). Each
refund Stripe makes is a StripeRefund, counted once (refunds_apply), even when the project was
locked at the moment Stripe answered."""

import logging

import stripe
from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.currencies import decimal_places
from core.errors import DomainError, IllegalTransition, NotAllowed
from donations.services import clean_quantity
from payments import permissions
from payments.limits import PROBLEM_MAX
from payments.models import CardPayment, RefundRequest, StripeRefund
from payments.money import from_minor_units, to_minor_units
from payments.stripe_api import PaymentBusy, locked_transaction, stripe_client, stripe_member, unavailable
from payments.transitions import FAILED_REFUND_STATUSES, apply_refunds, locked_rows

logger = logging.getLogger(__name__)


def _not_counted_yet():
    """Annotations of a CardPayment queryset: what its refunds not yet counted in refunded_minor
    amount to. `asked`: requests Stripe has not answered; `made`: refunds Stripe has made that we
    could not count yet (the project was locked). A request answered moves from the first to the
    second in one commit, and both are read in one statement: never counted twice, nor left out."""
    asked = (
        RefundRequest.objects.filter(card_payment=OuterRef("pk"), status=RefundRequest.Status.REQUESTED)
        .order_by()
        .values("card_payment")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    made = (
        StripeRefund.objects.filter(card_payment=OuterRef("pk"), status=StripeRefund.Status.MADE)
        .order_by()
        .values("card_payment")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return {
        "in_flight": Coalesce(Subquery(asked, output_field=BigIntegerField()), Value(0)),
        "made_not_counted": Coalesce(Subquery(made, output_field=BigIntegerField()), Value(0)),
    }


def _refundable(row):
    return max((row.charged_minor or 0) - row.refunded_minor - row.in_flight - row.made_not_counted, 0)


def refundable_minor(payment):
    """What may still be asked back on this payment: charged, less refunded, less what is on its
    way (requests Stripe has not answered, refunds it made that are not counted yet)."""
    if payment.charged_minor is None:
        return 0
    return _refundable(CardPayment.objects.annotate(**_not_counted_yet()).get(pk=payment.pk))


REFUNDABLE_STATUSES = (CardPayment.Status.PAID, CardPayment.Status.PARTIALLY_REFUNDED, CardPayment.Status.REFUSED)


def refundable_payments(*, pledge):
    """The pledge's card payments that may still be refunded, each with `refundable_minor`, in one
    query."""
    rows = list(
        pledge.card_payments.filter(status__in=REFUNDABLE_STATUSES, payment_intent_id__isnull=False)
        .annotate(**_not_counted_yet())
        .order_by("created_at", "pk")
    )
    for row in rows:
        row.refundable_minor = _refundable(row)
    return [row for row in rows if row.refundable_minor > 0]


def _refund_request_create(*, payment_id, actor, amount, token):
    with locked_transaction(f"refund request on card payment {payment_id}"):
        return _refund_request_checked(payment_id=payment_id, actor=actor, amount=amount, token=token)


def _refund_request_checked(*, payment_id, actor, amount, token):
    project, pledge, payment = locked_rows(payment_id)
    if not permissions.can_refund_card_payment(actor, pledge):
        raise NotAllowed(_("Only the project's leads may refund a card payment."))
    existing = RefundRequest.objects.filter(token=token).first()
    if existing is not None:
        if existing.card_payment_id != payment.pk:
            raise DomainError(_("This form was already used: reload the page."))
        return existing  # the same form sent twice is the same request
    if payment.status not in REFUNDABLE_STATUSES or not payment.payment_intent_id:
        raise IllegalTransition(_("This payment cannot be refunded."))
    amount = clean_quantity(amount, places=decimal_places(payment.currency), field="amount")
    amount_minor = to_minor_units(amount, payment.currency)
    available = refundable_minor(payment)
    if amount_minor > available:
        raise DomainError(
            _("At most %(amount)s %(currency)s can still be refunded on this payment.")
            % {"amount": from_minor_units(available, payment.currency), "currency": payment.currency},
            field="amount",
        )
    return RefundRequest.objects.create(
        card_payment=payment, amount_minor=amount_minor, token=token, requested_by=actor
    )


def refund_card_payment(*, payment, actor, amount, token):
    """A lead gives back all or part of a card payment through Stripe. Returns the request; its
    `counted` says whether the refund already shows in the totals, or will once the project's
    lock is free (see refund_request_send).

    The request row is committed first; its id makes the idempotency key of the Stripe call, so
    retrying (the lead again, or `stripe_reconcile`) never refunds twice, and the form's token
    makes a double submission the same request. A project too busy to record the request raises
    PaymentBusy before Stripe is asked anything.
    """
    request = _refund_request_create(payment_id=payment.pk, actor=actor, amount=amount, token=token)
    if request.status == RefundRequest.Status.REFUSED:  # the same form, sent again
        raise DomainError(_("Stripe refused the refund: %(reason)s") % {"reason": request.error})
    return refund_request_send(request=request)


def refund_request_send(*, request):
    """Send (or send again) a refund request to Stripe and apply its answer. Idempotent.

    Stripe's refund is first recorded on its own (the request answered, a StripeRefund MADE),
    without the project's lock, then counted under it. When that lock is held longer than
    STRIPE_LOCK_TIMEOUT_MS, the refund stays MADE: what may still be refunded leaves it out,
    the totals do not have it yet, and the first of its webhooks (charge.refunded, refund.updated)
    or `stripe_reconcile` counts it, once (refunds_apply)."""
    if request.status != RefundRequest.Status.REQUESTED:
        return request
    payment = request.card_payment
    client = stripe_client()
    try:
        refund = client.v1.refunds.create(
            params={
                "payment_intent": payment.payment_intent_id,
                "amount": request.amount_minor,
                "metadata": {"refund_request_id": str(request.pk), "pledge_id": str(payment.pledge_id)},
            },
            options={"idempotency_key": request.idempotency_key},
        )
    except stripe.InvalidRequestError as error:
        # Stripe said no for good (already refunded, amount too large...): the lead is told.
        reason = error.user_message or str(error)
        RefundRequest.objects.filter(pk=request.pk, status=RefundRequest.Status.REQUESTED).update(
            status=RefundRequest.Status.REFUSED, error=reason[:PROBLEM_MAX]
        )
        logger.warning("Stripe refused refund request %s: %s", request.pk, reason)
        raise DomainError(_("Stripe refused the refund: %(reason)s") % {"reason": reason}) from error
    except stripe.StripeError as error:
        # Unknown outcome: the request stays open and is sent again with the same key.
        raise unavailable(error, f"refund request {request.pk}") from error
    try:
        _refund_made(request=request, refund=refund.to_dict())
        refunds_apply(card_payment_id=payment.pk)
    except PaymentBusy:
        # Stripe has the refund; it counts once the lock is free. If even its record could not
        # be written, the request is still open: its webhook answers it, or reconcile sends it
        # again (same key, the same refund).
        logger.warning("Refund request %s made at Stripe (%s), not counted yet", request.pk, refund.id)
    request.refresh_from_db()
    return request


def _refund_made(*, request, refund):
    """Remember that Stripe made this refund for this request: the request answered and the
    refund MADE, in one commit, with no lock on the project (only the request's row, and the
    refund's unique id, which a webhook recording the same refund meanwhile shares)."""
    status = StripeRefund.Status.FAILED if refund.get("status") in FAILED_REFUND_STATUSES else StripeRefund.Status.MADE
    with locked_transaction(f"record refund {refund['id']}"):
        StripeRefund.objects.bulk_create(
            [
                StripeRefund(
                    card_payment_id=request.card_payment_id,
                    refund_id=refund["id"],
                    amount_minor=refund["amount"],
                    status=status,
                    failed_at=timezone.now() if status == StripeRefund.Status.FAILED else None,
                )
            ],
            ignore_conflicts=True,
        )
        RefundRequest.objects.filter(pk=request.pk, status=RefundRequest.Status.REQUESTED).update(
            status=RefundRequest.Status.ACCEPTED, stripe_refund_id=refund["id"]
        )


def refunds_apply(*, card_payment_id):
    """Count the refunds Stripe made on this card payment that are not counted yet: each once,
    in one transaction under the project's lock, as any refund counts. Takes a primary key and
    is idempotent (a second run finds nothing to count): the later half of a refund whose
    counting found the project locked, run by `stripe_reconcile` (and by every refund webhook
    of the payment, through the same transition). Returns an Outcome; raises PaymentBusy when
    the lock is held still."""
    actor = stripe_member()
    with locked_transaction(f"count refunds of card payment {card_payment_id}"):
        project, pledge, payment = locked_rows(card_payment_id)
        return apply_refunds(project, pledge, payment, [], actor=actor)


def payments_with_refunds_to_count():
    """Confirmed (or refused) card payments with refunds Stripe made that are not counted yet. A
    payment not confirmed yet counts its refunds when it is."""
    return (
        CardPayment.objects.filter(stripe_refunds__status=StripeRefund.Status.MADE)
        .filter(Q(reception__isnull=False) | Q(status=CardPayment.Status.REFUSED))
        .distinct()
        .order_by("created_at", "pk")
    )


def refund_requests_to_resend(*, older_than):
    return RefundRequest.objects.filter(
        status=RefundRequest.Status.REQUESTED, requested_at__lte=timezone.now() - older_than
    ).order_by("requested_at", "pk")
