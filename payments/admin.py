"""Card payments in the admin, read-only: Stripe's word and our answers to it are the audit trail.

Rows are written by payments/ only (webhooks, reconcile, refunds from the lead
dashboard). Moderators look here to follow a payment from its Checkout Session to its reception
and refunds (donations' card refunds), and to see every Stripe event received and what it did.
"""

from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin
from payments.models import CardPayment, RefundRequest, StripeEvent, StripeRefund


@admin.register(CardPayment)
class CardPaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "pledge", "amount_minor", "currency", "status", "created_at", "paid_at")
    list_filter = ("status", "currency")
    search_fields = ("checkout_session_id", "payment_intent_id", "pledge__donor__handle")
    list_select_related = ("pledge__need__project",)
    date_hierarchy = "created_at"


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "card_payment", "amount_minor", "status", "requested_by", "requested_at")
    list_filter = ("status",)
    search_fields = ("stripe_refund_id", "card_payment__payment_intent_id")
    list_select_related = ("card_payment", "requested_by")


@admin.register(StripeRefund)
class StripeRefundAdmin(ReadOnlyAdmin):
    list_display = ("refund_id", "card_payment", "amount_minor", "status", "recorded_at", "counted_at", "failed_at")
    list_filter = ("status",)
    search_fields = ("refund_id", "card_payment__payment_intent_id")
    list_select_related = ("card_payment",)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "outcome", "livemode", "received_at", "processed_at")
    list_filter = ("type", "outcome", "livemode")
    search_fields = ("event_id",)
    date_hierarchy = "received_at"
