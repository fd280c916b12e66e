"""Card pledges through Stripe Checkout: start a payment, apply what Stripe says, give money back.

What this module guarantees:
- A payment counts once. Stripe delivers events late, twice, out of order and concurrently;
  each event id is stored once (a unique constraint decides, inside the transaction that
  applies the event), and every transition re-reads its rows under lock and returns early when
  it finds them already where the event would move them. A confirmed payment is one Reception
  (one-to-one with its CardPayment, a second database guarantee), recorded by the system member
  "Stripe", never by a lead and never by the donor's browser.
- A refund counts once, and a failed one comes back once: each Stripe refund is one
  StripeRefund (its unique id), counted (a CardRefund, refunded_minor) in the transaction that
  moves it to COUNTED, and given back (that CardRefund deleted) in the one that moves it to
  FAILED, a final state. charge.refunded is read refund by refund, from Stripe's list.
- Money crosses to Stripe only through payments/money.py (integer minor units, never float).
- No call to Stripe runs while a transaction holds locks: rows are prepared and committed,
  Stripe is called, then its answer is applied in a new transaction. Each call carries an
  idempotency key derived from a row we committed first (the attempt, the refund request), so
  a retried or doubled request never makes a second session or a second refund.
- Lock order, as everywhere: project, then pledge (its need is read, not locked), then the card
  payment. A lock wait longer than STRIPE_LOCK_TIMEOUT_MS rolls the write back and raises
  PaymentBusy (stripe_api.locked_transaction): the webhook answers 503 so that Stripe retries,
  `stripe_reconcile` skips to the next payment, a page asks to try again; a refund Stripe has
  made meanwhile stays MADE until one of them counts it.
- Webhooks, `stripe_reconcile` and the refund page go through the same transitions.

Where each part lives: stripe_api.py (the client, the system member), this module (applying
what Stripe says to our rows, under lock), webhooks.py (events, verified and applied once),
checkout.py (starting a payment, asking Stripe how a session stands), refunds.py (a lead giving
money back). What arrives or goes back is a donations.Reception or donations.CardRefund; the
receipt follows through the hook donations.hooks.pledge_received_changed.
"""

import logging
import re

from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions
from donations import hooks as donation_hooks
from donations.models import CardRefund, Pledge, Reception
from donations.services import pledge_settle_by_money
from donations.thresholds import record_thresholds
from donations.totals import refresh_project_totals
from payments.limits import PROBLEM_MAX
from payments.models import CardPayment, RefundRequest, StripeRefund
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
    # FOR NO KEY UPDATE: what the row's own updates take; it does not hold up the insert of a row
    # pointing at it (a refund recorded without the project's lock, payments/refunds.py).
    payment = CardPayment.objects.select_for_update(no_key=True).get(pk=payment_id)
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


# Stripe's refund statuses that give nothing back (failed and canceled are final); the others
# (pending, requires_action, succeeded) count as given back, as Stripe's charge counts them.
FAILED_REFUND_STATUSES = ("failed", "canceled")


def our_id(value):
    """One of our primary keys as we put it in Stripe's metadata (ASCII digits), or None: int()
    would also read "１２" or "1_000"."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    return None


def _refused_alert(pledge):
    """A refused payment is the leads' to give back: the alert stays until all of it went back
    (and comes back if a refund of it fails)."""
    refused = pledge.card_payments.filter(status=CardPayment.Status.REFUSED)
    given_back = all(other.refunded_minor >= (other.charged_minor or 0) for other in refused)
    if given_back and pledge.payment_alert == Pledge.PaymentAlert.AMOUNT_REFUSED:
        _alert(pledge, "")
    elif not given_back and pledge.payment_alert == "":
        _alert(pledge, Pledge.PaymentAlert.AMOUNT_REFUSED)


def _add_refunded(payment, delta):
    """refunded_minor moved by `delta` in SQL (the payment's row is locked by locked_rows)."""
    CardPayment.objects.filter(pk=payment.pk).update(
        refunded_minor=F("refunded_minor") + delta, updated_at=timezone.now()
    )
    payment.refresh_from_db(fields=["refunded_minor", "updated_at"])


def _counted_status(payment):
    if payment.refunded_minor <= 0:
        return CardPayment.Status.PAID
    if payment.refunded_minor >= payment.charged_minor:
        return CardPayment.Status.REFUNDED
    return CardPayment.Status.PARTIALLY_REFUNDED


def _progress_changed(project, pledge, *, actor, note, reason):
    """What follows a change of what a confirmed card payment brought: the pledge's status, its
    receipt, the stored totals, thresholds, cached pages. The project is locked."""
    pledge_settle_by_money(pledge, actor=actor, note=note)
    donation_hooks.pledge_received_changed(pledge=pledge, reason=reason)
    refresh_project_totals(project)
    record_thresholds(project=project, need=pledge.need)
    cache_versions.progress_changed(project)


def _record_refund(payment, refund):
    """Stripe's word on one refund of this payment: its row, created once (a concurrent first
    record of ours waits on the unique id, then is found). Returns the row, locked, or None for
    a refund that is not this payment's."""
    refund_id, amount = refund.get("id"), refund.get("amount")
    if not refund_id or not amount:
        return None
    status = StripeRefund.Status.MADE
    if refund.get("status") in FAILED_REFUND_STATUSES:
        status = StripeRefund.Status.FAILED
    elif not StripeRefund.objects.filter(refund_id=refund_id).exists():
        # Counted before refunds were kept one by one: refunded_minor holds more than its rows
        # say. apply_refunds takes a charge's refunds oldest first: those were counted then.
        counted = payment.stripe_refunds.filter(status=StripeRefund.Status.COUNTED).aggregate(
            total=Coalesce(Sum("amount_minor"), 0)
        )["total"]
        if payment.refunded_minor - counted >= amount:
            status = StripeRefund.Status.COUNTED
    now = timezone.now()
    StripeRefund.objects.bulk_create(
        [
            StripeRefund(
                card_payment=payment,
                refund_id=refund_id,
                amount_minor=amount,
                status=status,
                failure_reason=(refund.get("failure_reason") or "")[:255],
                counted_at=now if status == StripeRefund.Status.COUNTED else None,
                failed_at=now if status == StripeRefund.Status.FAILED else None,
            )
        ],
        ignore_conflicts=True,
    )
    row = StripeRefund.objects.select_for_update().get(refund_id=refund_id)
    if row.card_payment_id != payment.pk:
        logger.error("Stripe refund %s belongs to card payment %s, not %s", refund_id, row.card_payment_id, payment.pk)
        return None
    # A refund a lead asked for here: its request is answered in this transaction, so that what
    # may still be refunded never counts it both as asked and as made.
    request_id = our_id((refund.get("metadata") or {}).get("refund_request_id"))
    if request_id is not None:
        RefundRequest.objects.filter(pk=request_id, card_payment=payment, status=RefundRequest.Status.REQUESTED).update(
            status=RefundRequest.Status.ACCEPTED, stripe_refund_id=refund_id
        )
    return row


def _count_made_refunds(project, pledge, payment, *, actor):
    """Count, once each, the refunds of this payment that Stripe made and we have not counted:
    a CardRefund each (taken off what was received) and refunded_minor. A payment not confirmed
    yet keeps them for its confirmation."""
    if payment.reception_id is None and payment.status != CardPayment.Status.REFUSED:
        return Outcome.UNCHANGED
    rows = list(payment.stripe_refunds.select_for_update().filter(status=StripeRefund.Status.MADE).order_by("pk"))
    if not rows:
        return Outcome.UNCHANGED
    _add_refunded(payment, sum(row.amount_minor for row in rows))
    reference = payment.payment_intent_id or payment.checkout_session_id
    now = timezone.now()
    for row in rows:
        if payment.reception_id is not None:
            row.card_refund = CardRefund.objects.create(
                pledge=pledge,
                need=pledge.need,
                quantity=from_minor_units(row.amount_minor, payment.currency),
                note=f"Refund {row.refund_id} on {reference} (Stripe)"[:280],
            )
        row.status, row.counted_at = StripeRefund.Status.COUNTED, now
        row.save(update_fields=["status", "counted_at", "card_refund"])
    if payment.reception_id is None:
        # Never counted (refused): nothing to take back from progress.
        _refused_alert(pledge)
        return Outcome.APPLIED
    payment.status = _counted_status(payment)
    _save(payment, "status")
    amount = from_minor_units(sum(row.amount_minor for row in rows), payment.currency)
    words = {"amount": amount, "currency": payment.currency}
    _progress_changed(
        project,
        pledge,
        actor=actor,
        note=_("%(amount)s %(currency)s refunded by card") % words,
        # The receipt follows: replaced by one for what remains, or voided when nothing does.
        reason=_("Card refund of %(amount)s %(currency)s.") % words,
    )
    return Outcome.APPLIED


def _legacy_card_refund(pledge, row, currency):
    """The CardRefund of a refund counted before refunds were kept one by one (one row per
    refund Stripe reported, of its amount), not claimed by another refund."""
    return (
        CardRefund.objects.filter(
            pledge=pledge, quantity=from_minor_units(row.amount_minor, currency), stripe_refund__isnull=True
        )
        .order_by("-recorded_at", "-pk")
        .first()
    )


def _fail_refund(project, pledge, payment, row, refund, *, actor):
    """Stripe could not give this refund back (failed, cancelled): once, and for good. If it was
    counted, its amount counts as received again: its CardRefund is deleted (it did not happen)
    and refunded_minor goes down by it."""
    if row.status == StripeRefund.Status.FAILED:
        return Outcome.UNCHANGED
    was_counted = row.status == StripeRefund.Status.COUNTED
    card_refund = row.card_refund
    if was_counted and card_refund is None and payment.reception_id is not None:
        card_refund = _legacy_card_refund(pledge, row, payment.currency)
        if card_refund is None:
            logger.error(
                "Stripe refund %s failed, but no card refund of its amount is left on pledge %s: still counted",
                row.refund_id,
                pledge.pk,
            )
            return Outcome.UNCHANGED
    row.status, row.failed_at, row.card_refund = StripeRefund.Status.FAILED, timezone.now(), None
    row.failure_reason = (refund.get("failure_reason") or refund.get("status") or "")[:255]
    row.save(update_fields=["status", "failed_at", "card_refund", "failure_reason"])
    logger.warning("Stripe refund %s of card payment %s failed (%s)", row.refund_id, payment.pk, row.failure_reason)
    if not was_counted:
        return Outcome.UNCHANGED  # nothing had been taken off: nothing to give back
    _add_refunded(payment, -row.amount_minor)
    if payment.reception_id is None:
        _refused_alert(pledge)
        return Outcome.APPLIED
    card_refund.delete()
    payment.status = _counted_status(payment)
    _save(payment, "status")
    words = {"amount": from_minor_units(row.amount_minor, payment.currency), "currency": payment.currency}
    _progress_changed(
        project,
        pledge,
        actor=actor,
        note=_("Card refund of %(amount)s %(currency)s failed at Stripe: received again") % words,
        reason=_("The card refund of %(amount)s %(currency)s failed at Stripe.") % words,
    )
    return Outcome.APPLIED


def apply_refunds(project, pledge, payment, refunds, *, actor):
    """What Stripe says of some refunds of this payment (refund objects, as its API and events
    give them), then every refund it made that is not counted yet, counted. Runs inside the
    caller's transaction, the rows locked (locked_rows). Each refund counts once and a failed
    one comes back once, whatever the order and number of the reports: FAILED is final, so a
    late report that it was pending or succeeded changes nothing."""
    outcomes = []
    for refund in sorted(refunds, key=lambda refund: (refund.get("created") or 0, refund.get("id") or "")):
        row = _record_refund(payment, refund)
        if row is not None and refund.get("status") in FAILED_REFUND_STATUSES:
            outcomes.append(_fail_refund(project, pledge, payment, row, refund, actor=actor))
    outcomes.append(_count_made_refunds(project, pledge, payment, actor=actor))
    return Outcome.APPLIED if Outcome.APPLIED in outcomes else Outcome.UNCHANGED


def apply_session(payment_id, session, *, actor, failed=False):
    """Apply what a Checkout Session says (from a webhook or from Stripe's API). Runs inside the
    caller's transaction."""
    project, pledge, payment = locked_rows(payment_id)
    _remember_ids(payment, session_id=session.get("id"), payment_intent_id=id_of(session.get("payment_intent")))
    status, payment_status = session.get("status"), session.get("payment_status")
    if status == "complete" and payment_status == "paid":
        outcome = _confirm(
            project,
            pledge,
            payment,
            amount_minor=session.get("amount_total"),
            currency=session.get("currency"),
            reference=id_of(session.get("payment_intent")) or session.get("id"),
            actor=actor,
        )
        # Refunds Stripe reported before the payment itself (refund events) count now.
        _count_made_refunds(project, pledge, payment, actor=actor)
        return outcome
    if failed:
        return move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.FAILED)
    if status == "complete":
        # Paid by a delayed method: Stripe tells the outcome later (async_payment_succeeded/failed).
        return move(payment, allowed_from=(CardPayment.Status.PENDING,), to=CardPayment.Status.PROCESSING)
    if status == "expired":
        return move(payment, allowed_from=CardPayment.OPEN_STATUSES, to=CardPayment.Status.EXPIRED)
    return Outcome.UNCHANGED


def apply_charge_refunded(payment_id, charge, refunds, *, actor):
    """A charge of this payment has refunds: `refunds` are all of them, as Stripe's API lists
    them (asked before any lock). Runs inside the caller's transaction."""
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
    outcomes.append(apply_refunds(project, pledge, payment, refunds, actor=actor))
    for outcome in (Outcome.REFUSED, Outcome.APPLIED):
        if outcome in outcomes:
            return outcome
    return Outcome.UNCHANGED


def apply_refund_event(payment_id, refund, *, actor):
    """A refund of this payment changed at Stripe (refund.created/updated/failed,
    charge.refund.updated): the refund object says how it stands. Runs inside the caller's
    transaction."""
    project, pledge, payment = locked_rows(payment_id)
    _remember_ids(payment, payment_intent_id=id_of(refund.get("payment_intent")))
    return apply_refunds(project, pledge, payment, [refund], actor=actor)
