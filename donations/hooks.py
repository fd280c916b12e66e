"""Events of needs and pledges that apps above donations act on (core/hooks.py says how).

Declared here, called inside the transaction that caused them (donations/services.py,
donations/thresholds.py, and the card payment transitions of payments/), connected in the
AppConfig.ready() of the app that acts.
"""

from core.hooks import Hook

# What arrived on a pledge changed: a reception recorded by a lead, a card payment Stripe
# confirmed, a card refund. The project's row and the pledge's are locked. Receipts brings the
# pledge's receipt in line (issued, replaced or voided, `reason` saying why when not empty).
pledge_received_changed = Hook("pledge_received_changed", "pledge", "reason")

# A need's received total reached one of ProgressThreshold.PERCENTS for the first time; runs in
# the savepoint that inserts the threshold. Publishing puts it on the project's timeline.
threshold_reached = Hook("threshold_reached", "threshold")

# A card pledge is about to be recorded for `amount` in `currency`. Payments refuses, with a
# DomainError shown on the form, an amount Stripe could not charge (below the minimum, above
# the maximum, a currency not taken by card), rather than once the donor is on Stripe's page.
card_pledge_checked = Hook("card_pledge_checked", "amount", "currency")
