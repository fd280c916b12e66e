"""Events of a member's account that apps above accounts act on (core/hooks.py says how).

Declared here, called by accounts/privacy.py, connected in the AppConfig.ready() of each app that
holds something about members (projects, donations, payments, receipts, publishing, moderation):
each app answers for its own rows, and accounts never imports them.
"""

from core.hooks import Hook

# A member asked for a copy of their data ("Download my data"). Each app adds its part to
# `data`, a dict, under keys of its own: values that DjangoJSONEncoder writes (str, numbers,
# Decimal, dates, None, lists, dicts), read in a fixed number of queries whatever the member
# holds, and nothing about another member (not even another member's handle).
member_data_requested = Hook("member_data_requested", "member", "data")

# A member is deleting their account: the member's row is locked, and the transaction ends with
# the account tombstoned. Each app erases or anonymises what it holds of them, or refuses the
# deletion by raising a DomainError shown to the member (projects: the only lead of a running
# project). What makes totals (pledges, receptions) and legal records (receipts) stays.
member_erasing = Hook("member_erasing", "member")
