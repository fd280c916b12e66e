"""Reads of members. Nothing here returns or needs the member's email."""

from accounts.models import Member


def member_by_handle(*, handle):
    """The member with this handle, whatever its case; the email is not even loaded."""
    return Member.objects.only(
        "id", "handle", "date_joined", "is_active", "profile_hidden_at", "profile_hidden_reason"
    ).get(handle__iexact=handle, is_active=True)
