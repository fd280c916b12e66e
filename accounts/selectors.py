"""Reads for a member's public profile. Nothing here returns or needs the member's email."""

from accounts.models import Member
from donations.models import Pledge
from projects.models import Project
from projects.selectors import projects_with_progress

PROFILE_PLEDGES_LIMIT = 100


def member_by_handle(*, handle):
    """The member with this handle, whatever its case; the email is not even loaded."""
    return Member.objects.only("id", "handle", "date_joined", "is_active").get(handle__iexact=handle, is_active=True)


def member_public_pledges(*, member, limit=PROFILE_PLEDGES_LIMIT):
    """The member's latest standing pledges made under their handle, on public projects.

    Anonymous pledges are never listed here, whoever looks: the profile is public, and the
    donor finds their own anonymous pledges in "my pledges".
    """
    return list(
        Pledge.objects.filter(
            donor=member,
            visibility=Pledge.Visibility.PUBLIC,
            status__in=Pledge.STANDING_STATUSES,
            need__project__status__in=Project.PUBLIC_STATUSES,
        )
        .select_related("need__project")
        .order_by("-created_at", "-id")[:limit]
    )


def member_led_projects(*, member, viewer):
    """Projects the member leads that the viewer may see (drafts only for who may see them)."""
    queryset = Project.objects.visible_to(viewer).filter(leads=member).select_related("community")
    return projects_with_progress(queryset).order_by("-created_at", "-id")
