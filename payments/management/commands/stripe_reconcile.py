"""Ask Stripe about card payments still waiting on its word, and apply what it says.

A webhook can be lost (endpoint down for longer than Stripe's three days of retries, a wrong
secret for a while). This applies the same transitions as the webhooks, under the same locks,
so it is safe to run from cron at any time, any number of times, alongside the webhooks:

    */15 * * * *  cd /srv/tiwizi && .venv/bin/python manage.py stripe_reconcile --older-than 30

It also sends again refunds a lead asked for whose answer from Stripe never came (same
idempotency key: Stripe refunds once).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from payments.checkout import payment_refresh, payments_to_reconcile, session_retrieve
from payments.refunds import refund_request_send, refund_requests_to_resend
from payments.stripe_api import PaymentUnavailable, card_payments_enabled


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
        counts = {}
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
                failures += 1
                self.stderr.write(f"  {label}: {error.message}")
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
            self.stdout.write(f"  {label}: {outcome}")

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
            except DomainError as error:
                failures += 1
                self.stderr.write(f"  {label}: {error.message}")
                continue
            self.stdout.write(f"  {label}: {request.status}")

        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "nothing to apply"
        self.stdout.write(f"Done: {summary}" + (f"; {failures} could not be settled now" if failures else "") + ".")
