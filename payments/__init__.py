"""Card pledges through Stripe Checkout: starting a payment (checkout.py), Stripe's signed
webhooks applied exactly once (webhooks.py, transitions.py), refunds (refunds.py), the one
crossing of amounts into Stripe's minor units (money.py), the client and the system member
"Stripe" (stripe_api.py), and `manage.py stripe_reconcile` for webhooks that were lost.

What a confirmed payment adds is a donations.Reception; what a refund gives back, a
donations.CardRefund. Imports donations, projects, accounts and core; never receipts or
publishing (the receipt follows through donations.hooks).
"""
