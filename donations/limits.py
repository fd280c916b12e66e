"""The bounds of donations, in one place: how many needs a project may have and how long the
texts of pledges and receptions may be (characters). Read by the models, forms, serializers and
services; each bound is far above what a real project uses (see each line)."""

from projects.limits import CANCELLATION_REASON_MAX as PROJECT_CANCELLATION_REASON_MAX

# A project lists its needs on its page (a card each) and in its report (a row each): the demo's
# largest has 4, a school kit broken down item by item might reach 15. A project asking for more
# than 30 different things is a catalogue, better split. Counted under the project's row lock.
NEEDS_PER_PROJECT_MAX = 30

# What a donor writes with a pledge, or a lead with a reception: a tweet's length.
PLEDGE_MESSAGE_MAX = 280
RECEPTION_NOTE_MAX = 280
# Why a donor or a lead cancels a pledge, as typed.
PLEDGE_CANCELLATION_REASON_MAX = 1_000
# What a pledge stores as its reason, and an event as its note: a typed reason, or the project's
# own reason behind "Project cancelled: " (projects/services.py, donations/services.py).
PLEDGE_REASON_STORED_MAX = PROJECT_CANCELLATION_REASON_MAX + 200

# How to give (GivingDetails): a few ways for each, as a tweet thread lists them. A project with
# more than 5 mobile-money numbers or 5 drop-off points is several projects.
MOBILE_MONEY_ACCOUNTS_MAX = 5
COLLECTION_POINTS_MAX = 5
# Days a donor has to send what they pledged before a lead may treat it as unpaid; 14 by default,
# as the tweet threads give ("sous 15 jours"), up to a quarter.
PAYMENT_DAYS_DEFAULT = 14
PAYMENT_DAYS_MAX = 90
