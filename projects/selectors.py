"""Reads of communities: their members, moderators and public projects, counted in SQL."""

from django.db.models import CharField, Count, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from projects.models import Community, Membership, Project


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
