"""Reads of communities (their members, moderators and public projects, counted in SQL) and of a
project's team (its leads, open invitations and changes)."""

from django.db.models import CharField, Count, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from projects.models import Community, LeadChange, LeadInvitation, Membership, Project


def _member_count():
    """A community's number of members, as a subquery (no join, no GROUP BY on the outer query)."""
    return Coalesce(
        Subquery(
            Membership.objects.filter(community=OuterRef("pk"))
            .order_by()
            .values("community")
            .annotate(count=Count("pk"))
            .values("count")
        ),
        0,
    )


def community_detail(*, slug, viewer):
    """A community with its member count, its moderators (with their members) and the
    viewer's role in it (None when not a member), in two queries."""
    viewer_role = (
        Subquery(Membership.objects.filter(community=OuterRef("pk"), member=viewer.pk).values("role")[:1])
        if viewer.is_authenticated
        else Value(None, output_field=CharField())
    )
    return (
        Community.objects.annotate(
            member_count=_member_count(),
            viewer_role=viewer_role,
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=Membership.Role.MODERATOR)
                .select_related("member")
                .order_by("member__handle"),
                to_attr="moderator_memberships",
            )
        )
        .get(slug=slug)
    )


def community_list():
    """Communities with their numbers of members and of public projects, by name."""
    return Community.objects.annotate(
        member_count=_member_count(),
        project_count=Coalesce(
            Subquery(
                Project.objects.public()
                .filter(community=OuterRef("pk"))
                .order_by()
                .values("community")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        ),
    ).order_by("name", "id")


# The team page shows this many of the latest changes of the leads.
TEAM_CHANGES_SHOWN = 20


def project_team(*, project):
    """A project's leads (by handle), its open invitations (newest first, with who invited) and its
    latest changes of leads (with who made them): three queries, whatever the team's size (bounded
    by LEADS_MAX and OPEN_INVITATIONS_MAX in any case)."""
    return {
        "leads": list(project.leads.order_by("handle")),
        "invitations": list(
            LeadInvitation.objects.open().filter(project=project).select_related("member", "invited_by")
        ),
        "changes": list(
            LeadChange.objects.filter(project=project).select_related("member", "actor")[:TEAM_CHANGES_SHOWN]
        ),
    }


def member_open_invitations(*, member):
    """The invitations a member may still answer, newest first, with their projects and who invited."""
    return (
        LeadInvitation.objects.open()
        .filter(member=member)
        .select_related("project", "project__community", "invited_by")
        .order_by("-created_at", "-id")
    )


def member_invitation(*, member, project):
    """The member's open invitation to the project, or None (one query)."""
    if not member.is_authenticated:
        return None
    return LeadInvitation.objects.open().filter(member=member, project=project).first()
