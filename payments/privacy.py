"""A member's card payments, in their copy of their data (accounts/hooks.py; connected in
PaymentsConfig.ready()). A deletion keeps them as they are: they are what Stripe charged and gave
back, and the pledges they belong to stay (anonymous); Stripe keeps its own records of the card."""

from payments.models import CardPayment


def member_data(*, member, data):
    """Each attempt at paying one of the member's pledges by card: one query. Amounts in minor
    units of the currency, as Stripe counts them."""
    payments = CardPayment.objects.filter(pledge__donor=member).order_by("created_at", "id")
    data["card_payments"] = [
        {
            "pledge": payment.pledge_id,
            "status": payment.status,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "charged_minor": payment.charged_minor,
            "refunded_minor": payment.refunded_minor,
            "created_at": payment.created_at,
            "paid_at": payment.paid_at,
        }
        for payment in payments
    ]
