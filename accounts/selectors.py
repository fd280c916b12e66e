"""Reads of members. Nothing here returns or needs the member's email."""

from django.db.models import Count, Min, Q

from accounts.models import Member, RecoveryCode


def member_by_handle(*, handle):
    """The member with this handle, whatever its case; the email is not even loaded."""
    return Member.objects.only(
        "id", "handle", "date_joined", "is_active", "profile_hidden_at", "profile_hidden_reason"
    ).get(handle__iexact=handle, is_active=True)


def recovery_codes_summary(*, member):
    """{"unused": how many of the member's recovery codes are left, "made_at": when they were made
    (None: never)}, in one query."""
    return RecoveryCode.objects.filter(member=member).aggregate(
        unused=Count("id", filter=Q(used_at__isnull=True)), made_at=Min("created_at")
    )
