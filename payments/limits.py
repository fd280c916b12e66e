"""How long the texts that payments keep may be (characters). None is typed by a member: they
come from Stripe or from our own code, and are cut to these lengths when written."""

# Stripe's Checkout page for a pledge (a URL of a few hundred characters; browsers take 2 048).
CHECKOUT_URL_MAX = 2_048
# What went wrong with a card payment or a refund, for the leads and the logs.
PROBLEM_MAX = 2_000
