"""A lead gives card money back through Stripe: in full or in part, never more than was paid and
not yet asked back, and never twice (the request row is committed first and gives the call its
idempotency key; the form's one-time token makes a double submission the same request)."""

import logging

import stripe
from django.db import transaction
from django.db.models import BigIntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.currencies import decimal_places
from core.errors import DomainError, IllegalTransition, NotAllowed
from donations.services import clean_quantity
from payments import permissions
from payments.limits import PROBLEM_MAX
from payments.models import CardPayment, RefundRequest
from payments.money import from_minor_units, to_minor_units
from payments.stripe_api import id_of, set_lock_timeout, stripe_client, stripe_member, unavailable
from payments.transitions import apply_refunded_total, locked_rows

logger = logging.getLogger(__name__)


def refundable_minor(payment):
    """What may still be asked back on this payment: charged, less refunded, less requests Stripe
    has not answered yet."""
    if payment.charged_minor is None:
        return 0
    in_flight = (
        payment.refund_requests.filter(status=RefundRequest.Status.REQUESTED).aggregate(total=Sum("amount_minor"))[
            "total"
        ]
        or 0
    )
    return max(payment.charged_minor - payment.refunded_minor - in_flight, 0)


REFUNDABLE_STATUSES = (CardPayment.Status.PAID, CardPayment.Status.PARTIALLY_REFUNDED, CardPayment.Status.REFUSED)


def refundable_payments(*, pledge):
    """The pledge's card payments that may still be refunded, each with `refundable_minor`, in one
    query."""
    in_flight = (
        RefundRequest.objects.filter(card_payment=OuterRef("pk"), status=RefundRequest.Status.REQUESTED)
        .order_by()
        .values("card_payment")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    rows = list(
        pledge.card_payments.filter(status__in=REFUNDABLE_STATUSES, payment_intent_id__isnull=False)
        .annotate(in_flight=Coalesce(Subquery(in_flight, output_field=BigIntegerField()), Value(0)))
        .order_by("created_at", "pk")
    )
    for row in rows:
        row.refundable_minor = max((row.charged_minor or 0) - row.refunded_minor - row.in_flight, 0)
    return [row for row in rows if row.refundable_minor > 0]


@transaction.atomic
def _refund_request_create(*, payment_id, actor, amount, token):
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
    """A lead gives back all or part of a card payment through Stripe.

    The request row is committed first; its id makes the idempotency key of the Stripe call, so
    retrying (the lead again, or `stripe_reconcile`) never refunds twice, and the form's token
    makes a double submission the same request. What Stripe then reports as refunded in all is
    applied as a webhook would (and the webhook, when it comes, changes nothing more).
    """
    request = _refund_request_create(payment_id=payment.pk, actor=actor, amount=amount, token=token)
    return refund_request_send(request=request)


def refund_request_send(*, request):
    """Send (or send again) a refund request to Stripe and apply its answer. Idempotent."""
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
    charge = None
    charge_id = id_of(refund.to_dict().get("charge"))
    if charge_id:
        try:
            charge = client.v1.charges.retrieve(charge_id).to_dict()
        except stripe.StripeError as error:
            # The charge.refunded webhook brings the same figure.
            logger.warning("Could not read charge %s after refund: %r", charge_id, error)
    actor = stripe_member()
    with transaction.atomic(durable=True):
        set_lock_timeout()
        project, pledge, payment = locked_rows(payment.pk)
        RefundRequest.objects.filter(pk=request.pk, status=RefundRequest.Status.REQUESTED).update(
            status=RefundRequest.Status.ACCEPTED, stripe_refund_id=refund.id
        )
        if charge is not None:
            apply_refunded_total(
                project,
                pledge,
                payment,
                refunded_minor=charge.get("amount_refunded"),
                reference=payment.payment_intent_id,
                actor=actor,
            )
    request.refresh_from_db()
    return request


def refund_requests_to_resend(*, older_than):
    return RefundRequest.objects.filter(
        status=RefundRequest.Status.REQUESTED, requested_at__lte=timezone.now() - older_than
    ).order_by("requested_at", "pk")
