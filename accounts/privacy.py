"""A member's own data: a copy of all of it ("Download my data"), and deleting the account.

Each app holds a part of what Tiwizi knows about a member, and accounts may not import the apps
above it: both operations call a hook (accounts/hooks.py) that every app holding something
connects, so the copy and the deletion are each gathered in one place, here. README "Privacy"
says what is held, what a deletion erases and what it keeps.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.handles import TOMBSTONE_PREFIX
from accounts.models import ApiToken, Member, RecoveryCode
from core.errors import NotAllowed

# The shape of the file: raised when a key changes meaning, so that a reader can tell.
DATA_FORMAT = 1


def member_data(*, member):
    """Everything held about the member, as a dict ready for DjangoJSONEncoder: the account here,
    the rest from each app (accounts.hooks.member_data_requested). Nothing about another member;
    a fixed number of queries, however much the member holds."""
    data = {
        "format": DATA_FORMAT,
        "exported_at": timezone.now(),
        "account": {
            "handle": member.handle,
            "email": member.email,
            "member_since": member.date_joined,
            "last_login": member.last_login,
            "profile_hidden_at": member.profile_hidden_at,
            "profile_hidden_reason": member.profile_hidden_reason,
        },
        # The name and dates of each token; never its hash (nor the token, which is not kept).
        "api_tokens": [
            {
                "name": token.name,
                "starts_with": token.shown_start,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
            }
            for token in ApiToken.objects.filter(member=member).order_by("created_at", "id")
        ],
        # When each recovery code was made and used; never its hash (nor the code, which is not kept).
        "recovery_codes": [
            {"created_at": created_at, "used_at": used_at}
            for created_at, used_at in RecoveryCode.objects.filter(member=member)
            .order_by("created_at", "id")
            .values_list("created_at", "used_at")
        ],
    }
    hooks.member_data_requested(member=member, data=data)
    return data


def new_tombstone():
    """An erased account's handle: "deleted_" and 48 random bits, which no one may sign up with."""
    return f"{TOMBSTONE_PREFIX}{secrets.token_hex(6)}"


@transaction.atomic(durable=True)
def member_erase(*, member):
    """Delete the member's account; returns the erased row.

    Guarantees, in one transaction (all of it or, when an app refuses, none of it):
    - the handle becomes a tombstone shown nowhere ("deleted member", "anonymous"); the email,
      the password (unusable), the API tokens, the recovery codes, the groups and permissions are
      gone; the account is inactive, so it cannot log in and every session it had stops working;
    - each app erases what it holds (accounts.hooks.member_erasing): memberships and leads, the
      legal name and address, update-email opt-outs and queued emails; pledges and receptions
      stay as anonymous rows, so no total changes, and issued receipts stay as they are;
    - deleting an account already deleted changes nothing.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_erased:
        return member
    if member.is_superuser:
        # The site's operators are accountable for what they did in the admin: another one
        # closes such an account there, deliberately.
        raise NotAllowed(_("A superuser's account is closed by another superuser, in the admin."))
    hooks.member_erasing(member=member)
    ApiToken.objects.filter(member=member).delete()
    RecoveryCode.objects.filter(member=member).delete()
    member.groups.clear()
    member.user_permissions.clear()
    member.handle = new_tombstone()
    member.email = None
    member.set_unusable_password()
    member.is_active = False
    member.is_staff = False
    member.last_login = None
    member.profile_hidden_at = None
    member.profile_hidden_reason = ""
    member.save()
    return member
