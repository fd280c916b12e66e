"""Card pledges through Stripe Checkout: start a payment, apply what Stripe says, give money back.

What this module guarantees:
- A payment counts once. Stripe delivers events late, twice, out of order and concurrently;
  each event id is stored once (a unique constraint decides, inside the transaction that
  applies the event), and every transition re-reads its rows under lock and returns early when
  it finds them already where the event would move them. A confirmed payment is one Reception
  (one-to-one with its CardPayment, a second database guarantee), recorded by the system member
  "Stripe", never by a lead and never by the donor's browser.
- Money crosses to Stripe only through payments/money.py (integer minor units, never float).
- No call to Stripe runs while a transaction holds locks: rows are prepared and committed,
  Stripe is called, then its answer is applied in a new transaction. Each call carries an
  idempotency key derived from a row we committed first (the attempt, the refund request), so
  a retried or doubled request never makes a second session or a second refund.
- Lock order, as everywhere: project, then pledge (its need is read, not locked), then the card
  payment. A lock wait longer than STRIPE_LOCK_TIMEOUT_MS raises OperationalError, which the
  webhook answers with 503 so that Stripe retries.
- Webhooks, `stripe_reconcile` and the refund page go through the same transitions.

Where each part lives: stripe_api.py (the client, the system member), this module (applying
what Stripe says to our rows, under lock), webhooks.py (events, verified and applied once),
checkout.py (starting a payment, asking Stripe how a session stands), refunds.py (a lead giving
money back). What arrives or goes back is a donations.Reception or donations.CardRefund; the
receipt follows through the hook donations.hooks.pledge_received_changed.
"""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions
from donations import hooks as donation_hooks
from donations.models import CardRefund, Pledge, Reception
from donations.services import pledge_settle_by_money
from donations.thresholds import record_thresholds
from donations.totals import refresh_project_totals
from payments.limits import PROBLEM_MAX
from payments.models import CardPayment
from payments.money import from_minor_units, to_minor_units
from payments.stripe_api import id_of
from projects.models import Project

logger = logging.getLogger(__name__)


class Outcome:
    """What applying an event or a session did; stored on the StripeEvent row."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already in the state it describes
    DUPLICATE = "duplicate"  # this event id was applied before
    IGNORED = "ignored"  # a type we do not handle
    UNMATCHED = "unmatched"  # no card payment of ours
    REFUSED = "refused"  # amount or currency differ: not counted


def locked_rows(payment_id):
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


def move(payment, *, allowed_from, to):
    if payment.status not in allowed_from:
        return Outcome.UNCHANGED
    payment.status = to
    _save(payment, "status")
    return Outcome.APPLIED


def _alert(pledge, alert):
    pledge.payment_alert = alert
    pledge.save(update_fields=["payment_alert"])


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
        )[:PROBLEM_MAX]
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
    payment.reception = reception
    payment.status = CardPayment.Status.PAID
    payment.paid_at = timezone.now()
    _save(payment, "status", "charged_minor", "charged_currency", "reception", "paid_at")
    if pledge.status == Pledge.Status.CANCELLED:
        _alert(pledge, Pledge.PaymentAlert.PAID_AFTER_CANCELLATION)
    elif already_paid:
        _alert(pledge, Pledge.PaymentAlert.PAID_TWICE)
    pledge_settle_by_money(pledge, actor=actor, note=_("Paid by card: %(reference)s") % {"reference": reference})
    # As for a reception a lead records: the receipt's number is taken in this transaction.
    donation_hooks.pledge_received_changed(pledge=pledge, reason="")
    refresh_project_totals(project)
    # The project is locked (locked_rows): thresholds crossed by this payment are recorded once,
    # read from the totals just refreshed.
    record_thresholds(project=project, need=pledge.need)
    cache_versions.progress_changed(project)
    return Outcome.APPLIED


def apply_refunded_total(project, pledge, payment, *, refunded_minor, reference, actor):
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
        pledge=pledge,
        need=pledge.need,
        quantity=from_minor_units(delta, payment.currency),
        note=f"Refund on {reference} (Stripe)",
    )
    pledge_settle_by_money(
        pledge,
        actor=actor,
        note=_("%(amount)s %(currency)s refunded by card") % {"amount": refund.quantity, "currency": payment.currency},
    )
    # The receipt follows: replaced by one for what remains, or voided when nothing does.
    donation_hooks.pledge_received_changed(
        pledge=pledge,
        reason=_("Card refund of %(amount)s %(currency)s.") % {"amount": refund.quantity, "currency": payment.currency},
    )
    refresh_project_totals(project)
    cache_versions.progress_changed(project)
    return Outcome.APPLIED


def apply_session(payment_id, session, *, actor, failed=False):
    """Apply what a Checkout Session says (from a webhook or from Stripe's API). Runs inside the
    caller's transaction."""
    project, pledge, payment = locked_rows(payment_id)
    _remember_ids(payment, session_id=session.get("id"), payment_intent_id=id_of(session.get("payment_intent")))
    status, payment_status = session.get("status"), session.get("payment_status")
    if status == "complete" and payment_status == "paid":
        return _confirm(
            project,
            pledge,
            payment,
            amount_minor=session.get("amount_total"),
            currency=session.get("currency"),
            reference=id_of(session.get("payment_intent")) or session.get("id"),
            actor=actor,
        )
    if failed:
        return move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.FAILED)
    if status == "complete":
        # Paid by a delayed method: Stripe tells the outcome later (async_payment_succeeded/failed).
        return move(payment, allowed_from=(CardPayment.Status.PENDING,), to=CardPayment.Status.PROCESSING)
    if status == "expired":
        return move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.EXPIRED)
    return Outcome.UNCHANGED


def apply_charge_refunded(payment_id, charge, *, actor):
    project, pledge, payment = locked_rows(payment_id)
    payment_intent_id = id_of(charge.get("payment_intent"))
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
        apply_refunded_total(
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
