"""Reads of communities and projects, with progress annotated in SQL (no query per row)."""

from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from accounts.models import Member
from donations.models import Need, Pledge
from donations.selectors import (
    filter_pledges,
    needs_with_progress,
    pledges_with_received,
    project_progress_annotations,
)
from projects.expenses import spending_annotations
from projects.models import Community, Membership, Project
from projects.publishing_models import Milestone, Update

# Shares are percentages (0 to 100). Multiplying before dividing keeps them meaningful on
# SQLite, whose division of two whole numbers is a whole number.
SHARE_OUTPUT = DecimalField(max_digits=12, decimal_places=6)
AMOUNT_OUTPUT = DecimalField(max_digits=14, decimal_places=2)
HUNDRED = Value(Decimal("100"), output_field=SHARE_OUTPUT)
NONE = Value(Decimal("0"), output_field=SHARE_OUTPUT)


def _capped_percent(part, whole):
    return Least(
        ExpressionWrapper(F(part) * 100 / F(whole), output_field=SHARE_OUTPUT), HUNDRED, output_field=SHARE_OUTPUT
    )


def _material_percent(field):
    """The mean over a project's material needs of each need's percentage (pledged or received)."""
    needs = (
        needs_with_progress(Need.objects.filter(project=OuterRef("pk"), kind=Need.Kind.MATERIAL))
        .annotate(percent=_capped_percent(field, "target_quantity"))
        .order_by()
        .values("project")
        .annotate(mean=Avg("percent", output_field=SHARE_OUTPUT))
        .values("mean")
    )
    return Coalesce(Subquery(needs, output_field=SHARE_OUTPUT), NONE, output_field=SHARE_OUTPUT)


def projects_with_progress(queryset=None):
    """Projects annotated with cash progress, supporters, and two percentages for the list's bar.

    The bar follows the cash goal when the project has one; a project asking only for
    material shows the mean of its needs' percentages (units cannot be added up).
    """
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.annotate(**project_progress_annotations()).annotate(
        cash_missing=Greatest(
            ExpressionWrapper(F("cash_target") - F("cash_pledged"), output_field=AMOUNT_OUTPUT),
            Value(Decimal("0"), output_field=AMOUNT_OUTPUT),
            output_field=AMOUNT_OUTPUT,
        ),
        pledged_percent=Case(
            When(cash_target__gt=0, then=_capped_percent("cash_pledged", "cash_target")),
            default=_material_percent("pledged"),
            output_field=SHARE_OUTPUT,
        ),
        received_percent=Case(
            When(cash_target__gt=0, then=_capped_percent("cash_received", "cash_target")),
            default=_material_percent("received"),
            output_field=SHARE_OUTPUT,
        ),
    )


PROJECT_SORTS = {
    "newest": ("-created_at", "-id"),
    "deadline": (F("deadline").asc(nulls_last=True), "-id"),
    "most_missing": ("pledged_percent", "-created_at", "-id"),
    "most_supporters": ("-supporters", "-created_at", "-id"),
}


def project_list(*, viewer, filters=None, sort="newest"):
    """Public projects (or those the viewer may see), filtered and sorted, with progress.

    `filters` keys: community (slug), category, status, country, region, item (text of a
    material need), q (title, summary, place, hashtag); and currency, deadline_after,
    deadline_before (dates, inclusive), has_missing (True: some open need still misses something).
    """
    filters = filters or {}
    queryset = Project.objects.visible_to(viewer)
    if filters.get("community"):
        queryset = queryset.filter(community__slug=filters["community"])
    if filters.get("category"):
        queryset = queryset.filter(category=filters["category"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("country"):
        queryset = queryset.filter(country__iexact=filters["country"])
    if filters.get("region"):
        queryset = queryset.filter(region__icontains=filters["region"])
    if filters.get("item"):
        queryset = queryset.filter(
            pk__in=Need.objects.filter(
                kind=Need.Kind.MATERIAL, status=Need.Status.OPEN, label__icontains=filters["item"]
            ).values("project")
        )
    if filters.get("currency"):
        queryset = queryset.filter(currency=filters["currency"])
    if filters.get("deadline_after"):
        queryset = queryset.filter(deadline__gte=filters["deadline_after"])
    if filters.get("deadline_before"):
        queryset = queryset.filter(deadline__lte=filters["deadline_before"])
    if filters.get("has_missing") is not None:
        missing = Exists(
            needs_with_progress(Need.objects.filter(project=OuterRef("pk"), status=Need.Status.OPEN)).filter(
                missing__gt=0
            )
        )
        queryset = queryset.filter(missing if filters["has_missing"] else ~missing)
    if filters.get("q"):
        term = filters["q"]
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(village__icontains=term)
            | Q(region__icontains=term)
            | Q(hashtag__icontains=term)
        )
    ordering = PROJECT_SORTS.get(sort, PROJECT_SORTS["newest"])
    return projects_with_progress(queryset.select_related("community")).order_by(*ordering)


def project_detail(*, slug):
    """One project with its community, leads and needs (each with progress) in a fixed number
    of queries."""
    return (
        projects_with_progress(Project.objects.select_related("community"))
        # Collected − spent on the page (projects/expenses.py: project_spending), in the same query.
        .annotate(**spending_annotations())
        .prefetch_related(
            "leads",
            Prefetch("needs", queryset=needs_with_progress(Need.objects.all()).order_by("position", "id")),
        )
        .get(slug=slug)
    )


def project_supporters(*, project, limit=100):
    """The latest standing pledges of a project with their donors, for the supporters list."""
    return list(project_supporters_queryset(project=project)[:limit])


def project_supporters_queryset(*, project):
    """All standing pledges of a project with their donors and needs, latest first (API pages)."""
    return (
        Pledge.objects.filter(need__project=project)
        .exclude(status__in=Pledge.WITHDRAWN_STATUSES)
        .select_related("donor", "need")
        .order_by("-created_at", "-id")
    )


def project_supporter_members(*, project):
    """The members with a standing pledge on one of the project's needs, each once however many
    pledges they made: permissions.is_supporter as a queryset (keep the two in step)."""
    standing = Pledge.objects.filter(need__project=project, donor=OuterRef("pk"), status__in=Pledge.STANDING_STATUSES)
    return Member.objects.filter(Exists(standing))


def project_published_updates(*, project, include_supporters_only):
    """A project's published updates, newest first, with their authors and photos (two queries
    a page). Supporters-only ones only when `include_supporters_only`: the caller asks
    permissions.can_read_supporters_only."""
    updates = Update.objects.filter(project=project, published_at__isnull=False)
    if not include_supporters_only:
        updates = updates.filter(audience=Update.Audience.PUBLIC)
    return updates.select_related("author").prefetch_related("photos").order_by("-published_at", "-id")


def project_milestones_with_photos(*, project):
    """A project's milestones in their order, with their evidence photos (two queries)."""
    return Milestone.objects.filter(project=project).prefetch_related("photos").order_by("position", "id")


def project_pledges_for_leads(*, project, status=None, need_id=None, channel=None):
    """A project's pledges with donors, needs and what arrived, for the lead dashboard."""
    queryset = filter_pledges(
        Pledge.objects.filter(need__project=project), status=status, need_id=need_id, channel=channel
    )
    return (
        pledges_with_received(queryset)
        .select_related("donor", "need", "need__project")
        .prefetch_related("receptions")
        .order_by("-created_at", "-id")
    )


def project_needs_for_leads(*, project):
    """A project's needs with progress, and `has_pledges` (even cancelled ones): a need that
    was ever pledged on can be closed but no longer edited."""
    return needs_with_progress(
        Need.objects.filter(project=project).annotate(has_pledges=Exists(Pledge.objects.filter(need=OuterRef("pk"))))
    ).order_by("position", "id")


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


def community_projects(*, community):
    """The community's public projects, newest first, with progress for their bars."""
    return projects_with_progress(community.projects.public().select_related("community")).order_by(
        "-created_at", "-id"
    )


def needs_visible_to(*, viewer, project_slug=None, kind=None, status=None):
    """Needs with progress of the projects the viewer may see, in project then need order."""
    queryset = Need.objects.filter(project__in=Project.objects.visible_to(viewer).values("pk"))
    if project_slug:
        queryset = queryset.filter(project__slug=project_slug)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return needs_with_progress(queryset.select_related("project")).order_by("project_id", "position", "id")


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


def with_needs(projects):
    """Projects (a queryset) with their needs and each need's progress, in one more query."""
    return projects.prefetch_related(
        Prefetch("needs", queryset=needs_with_progress(Need.objects.all()).order_by("position", "id"))
    )
