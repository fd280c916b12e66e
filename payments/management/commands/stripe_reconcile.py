"""Ask Stripe about card payments still waiting on its word, and apply what it says.

A webhook can be lost (endpoint down for longer than Stripe's three days of retries, a wrong
secret for a while). This applies the same transitions as the webhooks, under the same locks,
so it is safe to run from cron at any time, any number of times, alongside the webhooks:

    */15 * * * *  cd /srv/tiwizi && .venv/bin/python manage.py stripe_reconcile --older-than 30

It also sends again refunds a lead asked for whose answer from Stripe never came (same
idempotency key: Stripe refunds once), and counts refunds Stripe made that could not be counted
when it answered (the project was locked). A payment whose project stays locked longer than
STRIPE_LOCK_TIMEOUT_MS is skipped, logged and named at the end; the next run applies it.
"""

import logging
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from payments.checkout import payment_refresh, payments_to_reconcile, session_retrieve
from payments.models import RefundRequest
from payments.refunds import (
    payments_with_refunds_to_count,
    refund_request_send,
    refund_requests_to_resend,
    refunds_apply,
)
from payments.stripe_api import PaymentUnavailable, card_payments_enabled

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Apply what Stripe says about card payments still pending after a while (lost webhooks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=30,
            metavar="MINUTES",
            help="Only payments started at least this many minutes ago (default 30): younger ones "
            "are normally confirmed by their webhook within seconds.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Ask Stripe and report; change nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        if not card_payments_enabled():
            raise CommandError("STRIPE_SECRET_KEY is not set: there is no Stripe account to ask.")
        if older_than < 0:
            raise CommandError("--older-than is a number of minutes, 0 or more.")
        age = timedelta(minutes=older_than)
        self.counts = {}
        self.skipped = []
        failures = 0
        pending = list(payments_to_reconcile(older_than=age))
        self.stdout.write(f"{len(pending)} card payment(s) waiting for more than {older_than} minute(s).")
        for payment in pending:
            label = (
                f"card payment {payment.pk} (pledge {payment.pledge_id}, {payment.checkout_session_id or 'no session'})"
            )
            try:
                session = session_retrieve(payment.checkout_session_id) if payment.checkout_session_id else None
                if dry_run:
                    said = (
                        f"Stripe says {session.get('status')}/{session.get('payment_status')}"
                        if session
                        else "no session was stored"
                    )
                    self.stdout.write(f"  {label}: {said} (dry run, nothing changed)")
                    continue
                outcome = payment_refresh(payment=payment, session=session)
            except PaymentUnavailable as error:
                self._skip(label, error)
                continue
            self._done(label, outcome)

        requests = list(refund_requests_to_resend(older_than=age))
        if requests:
            self.stdout.write(f"{len(requests)} refund request(s) without Stripe's answer.")
        for request in requests:
            label = f"refund request {request.pk} (card payment {request.card_payment_id})"
            if dry_run:
                self.stdout.write(f"  {label}: would be sent again (dry run)")
                continue
            try:
                request = refund_request_send(request=request)
            except PaymentUnavailable as error:
                self._skip(label, error)
                continue
            except DomainError as error:
                failures += 1
                self.stderr.write(f"  {label}: {error.message}")
                continue
            if request.status == RefundRequest.Status.REQUESTED:
                # Made at Stripe, but even its record found the project's rows locked.
                self.skipped.append(label)
                self.stderr.write(f"  {label}: made at Stripe, not recorded yet (locked): skipped")
                continue
            self.stdout.write(f"  {label}: {request.status}")

        # Refunds Stripe made that could not be counted then (the ones just sent again included).
        to_count = list(payments_with_refunds_to_count())
        if to_count:
            self.stdout.write(f"{len(to_count)} card payment(s) with refunds made at Stripe, not counted yet.")
        for payment in to_count:
            label = f"refunds of card payment {payment.pk} (pledge {payment.pledge_id})"
            if dry_run:
                self.stdout.write(f"  {label}: would be counted (dry run)")
                continue
            try:
                outcome = refunds_apply(card_payment_id=payment.pk)
            except PaymentUnavailable as error:
                self._skip(label, error)
                continue
            self._done(label, outcome)

        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items()))
        failures += len(self.skipped)
        self.stdout.write(
            f"Done: {summary or 'nothing to apply'}"
            + (f"; {failures} could not be settled now" if failures else "")
            + "."
        )
        if self.skipped:
            self.stdout.write("Skipped, for a later run: " + "; ".join(self.skipped) + ".")

    def _done(self, label, outcome):
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self.stdout.write(f"  {label}: {outcome}")

    def _skip(self, label, error):
        """Stripe out of reach, or the project locked for longer than STRIPE_LOCK_TIMEOUT_MS:
        nothing changed for this one; the others go on and the next run applies it."""
        logger.warning("stripe_reconcile skipped %s: %s", label, error.message)
        self.skipped.append(label)
        self.stderr.write(f"  {label}: skipped, {error.message}")
