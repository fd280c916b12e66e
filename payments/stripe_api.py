"""The one way to Stripe's API: the client (keys from the environment), what "unavailable"
means to a member, the system member "Stripe" that records what Stripe confirms, and the lock
timeout that makes a payment write give up rather than wait (PaymentBusy: a webhook answers 503
and Stripe retries, `stripe_reconcile` skips to the next payment, a page asks to try again)."""

import logging
from contextlib import contextmanager

import stripe
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from accounts.models import Member
from core.errors import DomainError

logger = logging.getLogger(__name__)

# The system member that records what Stripe confirms. Its handle is reserved at sign-up
# (accounts.models.RESERVED_HANDLES), so no member can take it.
STRIPE_HANDLE = "Stripe"


class PaymentUnavailable(DomainError):
    """Stripe could not be reached or is not configured; trying again later may work."""

    code = "payment_unavailable"


class PaymentBusy(PaymentUnavailable):
    """A lock of the project was held longer than STRIPE_LOCK_TIMEOUT_MS: nothing was written;
    the same write, tried again later, applies. Its code stays "payment_unavailable": the API
    answers 503, as for Stripe out of reach."""


# PostgreSQL's lock_not_available (a lock_timeout ran out) and deadlock_detected: the
# transaction was rolled back and may simply be run again.
LOCK_WAIT_SQLSTATES = ("55P03", "40P01")


def is_lock_wait_failure(error):
    return getattr(error.__cause__, "sqlstate", None) in LOCK_WAIT_SQLSTATES


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


def unavailable(error, what):
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


def set_lock_timeout():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(settings.STRIPE_LOCK_TIMEOUT_MS)}")


@contextmanager
def locked_transaction(what):
    """A top-level transaction whose lock waits end after STRIPE_LOCK_TIMEOUT_MS: it then rolls
    back and PaymentBusy is raised (`what` names it in the log). Every payment write runs in one."""
    try:
        with transaction.atomic(durable=True):
            set_lock_timeout()
            yield
    except OperationalError as error:
        if not is_lock_wait_failure(error):
            raise
        logger.warning("Lock wait given up after %s ms (%s): %s", settings.STRIPE_LOCK_TIMEOUT_MS, what, error)
        raise PaymentBusy(
            _("This project is busy right now: nothing was changed. Please try again in a minute.")
        ) from error


def id_of(value):
    """An expandable field: an id, or the expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None
