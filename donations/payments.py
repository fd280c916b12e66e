"""Card pledges through Stripe Checkout: start a payment, apply what Stripe says, give money back.

What this module guarantees:
- A payment counts once. Stripe delivers events late, twice, out of order and concurrently;
  each event id is stored once (a unique constraint decides, inside the transaction that
  applies the event), and every transition re-reads its rows under lock and returns early when
  it finds them already where the event would move them. A confirmed payment is one Reception
  (one-to-one with its CardPayment, a second database guarantee), recorded by the system member
  "Stripe", never by a lead and never by the donor's browser.
- Money crosses to Stripe only through donations/money.py (integer minor units, never float).
- No call to Stripe runs while a transaction holds locks: rows are prepared and committed,
  Stripe is called, then its answer is applied in a new transaction. Each call carries an
  idempotency key derived from a row we committed first (the attempt, the refund request), so
  a retried or doubled request never makes a second session or a second refund.
- Lock order, as everywhere: project, then pledge (its need is read, not locked), then the card
  payment. A lock wait longer than STRIPE_LOCK_TIMEOUT_MS raises OperationalError, which the
  webhook answers with 503 so that Stripe retries.
- Webhooks, `stripe_reconcile` and the refund page go through the same transitions.
"""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Member
from donations.models import CardPayment, CardRefund, Pledge, PledgeEvent, Reception, RefundRequest, StripeEvent
from donations.money import check_card_amount, from_minor_units, to_minor_units
from donations.receipts import receipt_issue_for_pledge
from donations.selectors import pledge_received
from donations.services import clean_quantity
from donations.thresholds import record_thresholds
from projects import cache_versions, permissions
from projects.currencies import decimal_places
from projects.errors import DomainError, IllegalTransition, NotAllowed
from projects.models import Project

logger = logging.getLogger(__name__)

# The system member that records what Stripe confirms. Its handle is reserved at sign-up
# (accounts.models.RESERVED_HANDLES), so no member can take it.
STRIPE_HANDLE = "Stripe"
# A Checkout page stays open this long (Stripe accepts 30 minutes to 24 hours).
SESSION_LIFETIME = timedelta(hours=1)
# An attempt whose session was never stored is given up after this: its donor never saw a
# Checkout page (the page's address comes only with the answer we did not store).
ATTEMPT_RETRY_WINDOW = timedelta(minutes=20)
# Project statuses in which money may still arrive on a pledge (as for receptions).
PAYABLE_PROJECT_STATUSES = (Project.Status.OPEN, Project.Status.CLOSED, Project.Status.COMPLETED)

SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
CHARGE_REFUNDED = "charge.refunded"
# A PaymentIntent in one of these states after its session completed will not be paid.
FAILED_PAYMENT_INTENT_STATUSES = ("requires_payment_method", "canceled")


class Outcome:
    """What applying an event or a session did; stored on the StripeEvent row."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already in the state it describes
    DUPLICATE = "duplicate"  # this event id was applied before
    IGNORED = "ignored"  # a type we do not handle
    UNMATCHED = "unmatched"  # no card payment of ours
    REFUSED = "refused"  # amount or currency differ: not counted


class PaymentUnavailable(DomainError):
    """Stripe could not be reached or is not configured; trying again later may work."""

    code = "payment_unavailable"


def card_payments_enabled():
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client():
    if not card_payments_enabled():
        raise PaymentUnavailable(_("Card payments are not available on this site."))
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        # Network failures and Stripe's 409/429/5xx are retried with the same idempotency key.
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=30),
    )


def _unavailable(error, what):
    logger.error("Stripe call failed (%s): %r", what, error)
    return PaymentUnavailable(_("Card payments are unavailable right now: please try again in a few minutes."))


def stripe_member():
    """The member "Stripe", created on first use. It records receptions and refunds that Stripe
    confirmed; it cannot log in (inactive, no usable password) and has no public profile."""
    member = Member.objects.filter(handle__iexact=STRIPE_HANDLE).first()
    if member is None:
        try:
            with transaction.atomic():
                # Straight to the table: the sign-up rules refuse this reserved handle, on purpose.
                member = Member(handle=STRIPE_HANDLE, email=None, is_active=False)
                member.set_unusable_password()
                member.save()
        except IntegrityError:  # created meanwhile by a concurrent webhook
            member = Member.objects.get(handle__iexact=STRIPE_HANDLE)
    if member.is_active or member.has_usable_password():
        raise RuntimeError(f"@{member.handle} can log in: it is not Tiwizi's system member for Stripe")
    return member


# -- Rows, under lock -------------------------------------------------------------------------


def _set_lock_timeout():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(settings.STRIPE_LOCK_TIMEOUT_MS)}")


def _locked(payment_id):
    """Project, pledge and card payment of `payment_id`, locked in the house's order."""
    project_id, pledge_id = (
        CardPayment.objects.filter(pk=payment_id).values_list("pledge__need__project_id", "pledge_id").get()
    )
    project = Project.objects.select_for_update().get(pk=project_id)
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("need").get(pk=pledge_id)
    pledge.need.project = project
    payment = CardPayment.objects.select_for_update().get(pk=payment_id)
    return project, pledge, payment


def _save(payment, *fields):
    payment.updated_at = timezone.now()
    payment.save(update_fields=[*fields, "updated_at"])


def _move(payment, *, allowed_from, to):
    if payment.status not in allowed_from:
        return Outcome.UNCHANGED
    payment.status = to
    _save(payment, "status")
    return Outcome.APPLIED


def _alert(pledge, alert):
    pledge.payment_alert = alert
    pledge.save(update_fields=["payment_alert"])


def _settle_pledge(pledge, *, actor, note):
    """Move the pledge to the status its money says: received in full, in part, refunded.

    A cancelled pledge stays cancelled (what arrived on it is still counted); a lead decides.
    """
    if pledge.status == Pledge.Status.CANCELLED:
        return
    received = pledge_received(pledge)
    refunded = CardRefund.objects.filter(pledge=pledge).exists()
    if received >= pledge.quantity:
        new_status = Pledge.Status.FULFILLED
    elif refunded:
        new_status = Pledge.Status.REFUNDED if received <= 0 else Pledge.Status.PARTIALLY_REFUNDED
    elif received > 0:
        new_status = Pledge.Status.PARTIALLY_FULFILLED
    else:
        new_status = Pledge.Status.PLEDGED
    if new_status == pledge.status:
        return
    from_status = pledge.status
    pledge.status = new_status
    pledge.save(update_fields=["status"])
    PledgeEvent.objects.create(pledge=pledge, from_status=from_status, to_status=new_status, actor=actor, note=note)


def _remember_ids(payment, *, session_id=None, payment_intent_id=None):
    fields = []
    if session_id and not payment.checkout_session_id:
        payment.checkout_session_id = session_id
        fields.append("checkout_session_id")
    if payment_intent_id and not payment.payment_intent_id:
        payment.payment_intent_id = payment_intent_id
        fields.append("payment_intent_id")
    if fields:
        _save(payment, *fields)


def _confirm(project, pledge, payment, *, amount_minor, currency, reference, actor):
    """Stripe says this payment was made: count it once, as a reception by "Stripe"."""
    if payment.reception_id is not None or payment.status == CardPayment.Status.REFUSED:
        return Outcome.UNCHANGED
    currency = (currency or "").upper()
    payment.charged_minor = amount_minor
    payment.charged_currency = currency
    expected = to_minor_units(pledge.quantity, project.currency)
    asked = (payment.amount_minor, payment.currency)
    if (amount_minor, currency) != asked or asked != (expected, project.currency):
        payment.status = CardPayment.Status.REFUSED
        payment.problem = (
            f"Stripe reported {amount_minor} {currency} (minor units) paid by {reference}; "
            f"the pledge asks {expected} {project.currency}. Not counted."
        )
        _save(payment, "status", "charged_minor", "charged_currency", "problem")
        _alert(pledge, Pledge.PaymentAlert.AMOUNT_REFUSED)
        logger.error("Card payment %s refused for pledge %s: %s", payment.pk, pledge.pk, payment.problem)
        return Outcome.REFUSED
    already_paid = pledge.card_payments.filter(reception__isnull=False).exists()
    reception = Reception.objects.create(
        pledge=pledge,
        need=pledge.need,
        quantity=from_minor_units(amount_minor, currency),
        received_on=timezone.localdate(),
        note=f"Card payment {reference} (Stripe)",
        recorded_by=actor,
    )
    # The project is locked (_locked): thresholds crossed by this payment are recorded once.
    record_thresholds(project=project, need=pledge.need)
    payment.reception = reception
    payment.status = CardPayment.Status.PAID
    payment.paid_at = timezone.now()
    _save(payment, "status", "charged_minor", "charged_currency", "reception", "paid_at")
    if pledge.status == Pledge.Status.CANCELLED:
        _alert(pledge, Pledge.PaymentAlert.PAID_AFTER_CANCELLATION)
    elif already_paid:
        _alert(pledge, Pledge.PaymentAlert.PAID_TWICE)
    _settle_pledge(pledge, actor=actor, note=_("Paid by card: %(reference)s") % {"reference": reference})
    # As for a reception a lead records: the receipt's number is taken in this transaction.
    receipt_issue_for_pledge(pledge=pledge)
    cache_versions.project_changed(project)
    return Outcome.APPLIED


def _apply_refunded_total(project, pledge, payment, *, refunded_minor, reference, actor):
    """Stripe says `refunded_minor` of this payment has been given back in all. Totals only grow:
    a late or repeated report of a smaller total changes nothing."""
    if refunded_minor is None or refunded_minor <= payment.refunded_minor:
        return Outcome.UNCHANGED
    delta = refunded_minor - payment.refunded_minor
    payment.refunded_minor = refunded_minor
    if payment.reception_id is None:
        # Never counted (refused): nothing to take back from progress. Once all of it went back,
        # the leads have nothing left to do about it.
        _save(payment, "refunded_minor")
        refused = pledge.card_payments.filter(status=CardPayment.Status.REFUSED)
        if pledge.payment_alert == Pledge.PaymentAlert.AMOUNT_REFUSED and all(
            other.refunded_minor >= (other.charged_minor or 0) for other in refused
        ):
            _alert(pledge, "")
        return Outcome.APPLIED
    payment.status = (
        CardPayment.Status.REFUNDED
        if refunded_minor >= payment.charged_minor
        else CardPayment.Status.PARTIALLY_REFUNDED
    )
    _save(payment, "refunded_minor", "status")
    refund = CardRefund.objects.create(
        card_payment=payment,
        pledge=pledge,
        need=pledge.need,
        quantity=from_minor_units(delta, payment.currency),
        note=f"Refund on {reference} (Stripe)",
    )
    _settle_pledge(
        pledge,
        actor=actor,
        note=_("%(amount)s %(currency)s refunded by card") % {"amount": refund.quantity, "currency": payment.currency},
    )
    # The receipt follows: replaced by one for what remains, or voided when nothing does.
    receipt_issue_for_pledge(
        pledge=pledge,
        reason=_("Card refund of %(amount)s %(currency)s.") % {"amount": refund.quantity, "currency": payment.currency},
    )
    cache_versions.project_changed(project)
    return Outcome.APPLIED


def _apply_session(payment_id, session, *, actor, failed=False):
    """Apply what a Checkout Session says (from a webhook or from Stripe's API). Runs inside the
    caller's transaction."""
    project, pledge, payment = _locked(payment_id)
    _remember_ids(payment, session_id=session.get("id"), payment_intent_id=_id_of(session.get("payment_intent")))
    status, payment_status = session.get("status"), session.get("payment_status")
    if status == "complete" and payment_status == "paid":
        return _confirm(
            project,
            pledge,
            payment,
            amount_minor=session.get("amount_total"),
            currency=session.get("currency"),
            reference=_id_of(session.get("payment_intent")) or session.get("id"),
            actor=actor,
        )
    if failed:
        return _move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.FAILED)
    if status == "complete":
        # Paid by a delayed method: Stripe tells the outcome later (async_payment_succeeded/failed).
        return _move(payment, allowed_from=(CardPayment.Status.PENDING,), to=CardPayment.Status.PROCESSING)
    if status == "expired":
        return _move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.EXPIRED)
    return Outcome.UNCHANGED


def _apply_charge_refunded(payment_id, charge, *, actor):
    project, pledge, payment = _locked(payment_id)
    payment_intent_id = _id_of(charge.get("payment_intent"))
    _remember_ids(payment, payment_intent_id=payment_intent_id)
    outcomes = []
    if payment.reception_id is None and charge.get("paid") and charge.get("status") == "succeeded":
        # The refund overtook the payment's own confirmation: the charge proves the payment.
        outcomes.append(
            _confirm(
                project,
                pledge,
                payment,
                amount_minor=charge.get("amount"),
                currency=charge.get("currency"),
                reference=payment_intent_id or charge.get("id"),
                actor=actor,
            )
        )
    outcomes.append(
        _apply_refunded_total(
            project,
            pledge,
            payment,
            refunded_minor=charge.get("amount_refunded"),
            reference=payment_intent_id or charge.get("id"),
            actor=actor,
        )
    )
    for outcome in (Outcome.REFUSED, Outcome.APPLIED):
        if outcome in outcomes:
            return outcome
    return Outcome.UNCHANGED


def _id_of(value):
    """An expandable field: an id, or the expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


# -- Finding our card payment from what Stripe sends --------------------------------------------


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
    payment_intent_id = _id_of(charge.get("payment_intent"))
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
            raise _unavailable(error, f"retrieve {payment_intent_id}") from error
        found = _payment_from_metadata(payment_intent.to_dict().get("metadata"))
    return found


# -- Webhooks -----------------------------------------------------------------------------------


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
        _set_lock_timeout()
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
            outcome = _apply_charge_refunded(payment_id, data, actor=actor)
        else:
            outcome = _apply_session(
                payment_id, data, actor=actor, failed=event_type == "checkout.session.async_payment_failed"
            )
        record.outcome = outcome
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    return outcome


# -- Starting a payment -------------------------------------------------------------------------


def _lock_pledge_for_payment(pledge_id):
    project_id = Pledge.objects.filter(pk=pledge_id).values_list("need__project_id", flat=True).get()
    project = Project.objects.select_for_update().get(pk=project_id)
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("need").get(pk=pledge_id)
    pledge.need.project = project
    return project, pledge


@transaction.atomic
def _checkout_attempt(*, pledge_id, actor):
    """The pledge's open attempt, or a new one. The pledge is locked: two clicks get one attempt
    (and the one-open-attempt constraint stands behind it)."""
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
        _move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.EXPIRED)
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
        raise _unavailable(error, f"create session for card payment {payment.pk}") from error
    # Both at once, so that a concurrent click never finds the id without the address; only
    # while still empty (the same session, replayed by Stripe for every click).
    CardPayment.objects.filter(pk=payment.pk, checkout_url="").update(
        checkout_session_id=session.id, checkout_url=session.url, updated_at=timezone.now()
    )
    return session.url


# -- Asking Stripe (reconcile) ------------------------------------------------------------------


def session_retrieve(session_id):
    """The Checkout Session as Stripe has it now, with its PaymentIntent, as a plain dict."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]})
    except stripe.StripeError as error:
        raise _unavailable(error, f"retrieve {session_id}") from error
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
    Returns an Outcome.
    """
    if not payment.checkout_session_id:
        if payment.created_at >= timezone.now() - ATTEMPT_RETRY_WINDOW:
            return Outcome.UNCHANGED
        with transaction.atomic(durable=True):
            _set_lock_timeout()
            _project, _pledge, payment = _locked(payment.pk)
            return _move(payment, allowed_from=(CardPayment.Status.PENDING,), to=CardPayment.Status.EXPIRED)
    if session is None:
        session = session_retrieve(payment.checkout_session_id)
    actor = stripe_member()
    with transaction.atomic(durable=True):
        _set_lock_timeout()
        return _apply_session(payment.pk, session, actor=actor, failed=session_says_failed(session))


def payments_to_reconcile(*, older_than):
    """Card payments still waiting on Stripe's word after `older_than` (a timedelta)."""
    return CardPayment.objects.filter(
        status__in=CardPayment.OPEN_STATUSES, created_at__lte=timezone.now() - older_than
    ).order_by("created_at", "pk")


def refund_requests_to_resend(*, older_than):
    return RefundRequest.objects.filter(
        status=RefundRequest.Status.REQUESTED, requested_at__lte=timezone.now() - older_than
    ).order_by("requested_at", "pk")


# -- Refunds ------------------------------------------------------------------------------------


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
    project, pledge, payment = _locked(payment_id)
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
            status=RefundRequest.Status.REFUSED, error=reason[:2000]
        )
        logger.warning("Stripe refused refund request %s: %s", request.pk, reason)
        raise DomainError(_("Stripe refused the refund: %(reason)s") % {"reason": reason}) from error
    except stripe.StripeError as error:
        # Unknown outcome: the request stays open and is sent again with the same key.
        raise _unavailable(error, f"refund request {request.pk}") from error
    charge = None
    charge_id = _id_of(refund.to_dict().get("charge"))
    if charge_id:
        try:
            charge = client.v1.charges.retrieve(charge_id).to_dict()
        except stripe.StripeError as error:
            # The charge.refunded webhook brings the same figure.
            logger.warning("Could not read charge %s after refund: %r", charge_id, error)
    actor = stripe_member()
    with transaction.atomic(durable=True):
        _set_lock_timeout()
        project, pledge, payment = _locked(payment.pk)
        RefundRequest.objects.filter(pk=request.pk, status=RefundRequest.Status.REQUESTED).update(
            status=RefundRequest.Status.ACCEPTED, stripe_refund_id=refund.id
        )
        if charge is not None:
            _apply_refunded_total(
                project,
                pledge,
                payment,
                refunded_minor=charge.get("amount_refunded"),
                reference=payment.payment_intent_id,
                actor=actor,
            )
    request.refresh_from_db()
    return request
