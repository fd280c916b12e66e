"""Card payments through Stripe Checkout: each attempt, what the leads asked back, and every
Stripe event received.

Money crosses to Stripe in integer minor units (payments/money.py). What a confirmed payment
adds to progress is a donations.Reception (one-to-one with its CardPayment), recorded by the
"Stripe" system member; what a refund gives back is a donations.CardRefund, one per Stripe refund
(StripeRefund), deleted again if Stripe reports that refund failed.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donations.models import Pledge
from payments.limits import CHECKOUT_URL_MAX, PROBLEM_MAX


class CardPayment(models.Model):
    """One attempt at paying a card pledge: one Stripe Checkout Session.

    A pledge has at most one open attempt at a time (a database constraint), so a double click
    or a retried request finds the same attempt, and the Checkout Session is created with an
    idempotency key derived from it. An attempt that expired or failed leaves room for a new one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the donor")
        PROCESSING = "processing", _("Payment processing")
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
        REFUNDED = "refunded", _("Refunded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REFUSED = "refused", _("Refused: amount or currency differs")

    OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)
    # Confirmed and counted: a Reception exists for it.
    COUNTED_STATUSES = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="card_payments", verbose_name=_("pledge"))
    amount_minor = models.PositiveBigIntegerField(_("amount asked (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    checkout_session_id = models.CharField(_("Checkout Session"), max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.TextField(
        _("Checkout page"),
        blank=True,
        max_length=CHECKOUT_URL_MAX,
        validators=[MaxLengthValidator(CHECKOUT_URL_MAX)],
    )
    payment_intent_id = models.CharField(_("PaymentIntent"), max_length=255, unique=True, null=True, blank=True)
    # What Stripe says was charged, as it said it (it may differ from what we asked), and what we
    # count as refunded: the sum of its COUNTED StripeRefunds (written with them, under the lock).
    charged_minor = models.PositiveBigIntegerField(_("amount charged (minor units)"), null=True, blank=True)
    charged_currency = models.CharField(_("currency charged"), max_length=3, blank=True)
    refunded_minor = models.PositiveBigIntegerField(_("amount refunded (minor units)"), default=0)
    reception = models.OneToOneField(
        "donations.Reception",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="card_payment",
        verbose_name=_("reception"),
    )
    problem = models.TextField(
        _("problem"), blank=True, max_length=PROBLEM_MAX, validators=[MaxLengthValidator(PROBLEM_MAX)]
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="card_payment_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge"],
                condition=models.Q(status__in=["pending", "processing"]),
                name="card_payment_one_open_per_pledge",
            ),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="card_payment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount_minor} {self.currency} (minor) for pledge {self.pledge_id}: {self.status}"

    @property
    def is_counted(self):
        return self.status in self.COUNTED_STATUSES


class RefundRequest(models.Model):
    """A lead asking Stripe to give money back. Its row is created before Stripe is called and
    gives the call its idempotency key, so a retry never refunds twice; the form's one-time
    token makes a double submission the same request."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Sent to Stripe")
        ACCEPTED = "accepted", _("Accepted by Stripe")
        REFUSED = "refused", _("Refused by Stripe")

    card_payment = models.ForeignKey(
        CardPayment, on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("card payment")
    )
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    token = models.UUIDField(_("form token"), unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    stripe_refund_id = models.CharField(_("Stripe refund"), max_length=255, unique=True, null=True, blank=True)
    error = models.TextField(
        _("error"), blank=True, max_length=PROBLEM_MAX, validators=[MaxLengthValidator(PROBLEM_MAX)]
    )

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="refund_request_amount_positive"),
        ]

    def __str__(self):
        return f"refund of {self.amount_minor} (minor) on card payment {self.card_payment_id}: {self.status}"

    @property
    def idempotency_key(self):
        return f"tiwizi-refund-{self.pk}-{self.amount_minor}"

    @property
    def counted(self):
        """Whether the refund Stripe made for it is in the totals already (a query)."""
        return bool(self.stripe_refund_id) and (
            StripeRefund.objects.filter(refund_id=self.stripe_refund_id, status=StripeRefund.Status.COUNTED).exists()
        )


class StripeRefund(models.Model):
    """One refund as Stripe names it (re_…) on one of our card payments, whoever made it (a lead
    here, or someone in Stripe's dashboard). Its unique id is what makes each refund count once,
    and a failed one come back once, however Stripe's events about it arrive.

    - MADE: Stripe has made it, and it is not counted here yet (the project was locked when we
      heard of it, or its payment is not confirmed yet). What may still be refunded already
      leaves it out; `payments.refunds.refunds_apply` counts it, once.
    - COUNTED: in `CardPayment.refunded_minor`, and taken off what was received (its CardRefund).
    - FAILED: Stripe could not give it back (failed or cancelled). Never counted again; if it was
      counted, its CardRefund is deleted in that transaction, so the money counts as received
      again. The row (amount, dates, reason) and the Stripe events stay as the audit trail.

    Moves: MADE → COUNTED, MADE → FAILED, COUNTED → FAILED (payments/transitions.py, under the
    project's lock; only the first record of a refund of ours is written without it).
    """

    class Status(models.TextChoices):
        MADE = "made", _("Made at Stripe, not counted yet")
        COUNTED = "counted", _("Counted as given back")
        FAILED = "failed", _("Failed at Stripe: not given back")

    card_payment = models.ForeignKey(
        CardPayment, on_delete=models.PROTECT, related_name="stripe_refunds", verbose_name=_("card payment")
    )
    refund_id = models.CharField(_("Stripe refund"), max_length=255, unique=True)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MADE)
    # The reduction of progress it made, while COUNTED. Empty for a refund counted before refunds
    # were kept one by one (its CardRefund then has no link).
    card_refund = models.OneToOneField(
        "donations.CardRefund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stripe_refund",
        verbose_name=_("card refund"),
    )
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe refund")
        verbose_name_plural = _("Stripe refunds")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="stripe_refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.refund_id}: {self.amount_minor} (minor) on card payment {self.card_payment_id}, {self.status}"


class StripeEvent(models.Model):
    """Every Stripe event we accepted, once: the unique event id is what makes a redelivery,
    concurrent or late, a no-op. The row is inserted in the same transaction as the event's
    effects, so an event whose processing failed is not remembered and Stripe's retry applies it."""

    event_id = models.CharField(_("event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("live mode"), default=False)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.event_id} {self.type}: {self.outcome}"
