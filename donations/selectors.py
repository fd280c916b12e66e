"""Reads of pledges, receptions and of projects with their progress, for pages and the API.

Progress itself is defined, and summed in SQL, in donations/progress.py; these are the lists
built on it, each with a fixed number of queries (no query per row).
"""

from django.db.models import Count, Exists, F, OuterRef, Q

from accounts.models import Member
from donations import search
from donations.models import Need, Pledge, Reception
from donations.progress import needs_with_progress, pledges_with_received, projects_with_progress
from donations.references import pledge_id_from
from projects.models import Project
from projects.permissions import can_see_anonymous_donors

PROFILE_PLEDGES_LIMIT = 100
HANDLE_SEARCH_MAX = 40


def given(queryset, **lookups):
    """The queryset filtered on each lookup whose value was given (an empty value — None, "", 0 —
    is left out): the optional filters of lists, pages and API alike."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value})


def donor_pledges(*, donor):
    """A donor's own pledges, anonymous ones included, with what arrived, latest first."""
    return (
        pledges_with_received(Pledge.objects.filter(donor=donor))
        .select_related("donor", "need", "need__project")
        .order_by("-created_at", "-id")
    )


def filter_pledges(queryset, *, status=None, need_id=None, channel=None):
    """The pledge filters shared by the lead dashboard and the API (empty values ignored)."""
    return given(queryset, status=status, need_id=need_id, channel=channel)


def pledges_visible(*, visible_filter, project_slug=None, status=None, need_id=None, channel=None):
    """Pledges matching a visibility filter (donations.permissions.pledges_visible_filter), with
    what arrived, their donors, needs and projects."""
    queryset = given(Pledge.objects.filter(visible_filter), need__project__slug=project_slug)
    queryset = filter_pledges(queryset, status=status, need_id=need_id, channel=channel)
    return (
        pledges_with_received(queryset)
        .select_related("donor", "need", "need__project", "need__project__community")
        .order_by("-created_at", "-id")
    )


def receptions_visible(*, visible_filter, project_slug=None, pledge_id=None):
    """Receptions of the pledges matching a visibility filter, with their pledge, need and project."""
    queryset = Reception.objects.filter(pledge__in=Pledge.objects.filter(visible_filter).values("pk"))
    queryset = given(queryset, need__project__slug=project_slug, pledge_id=pledge_id)
    return queryset.select_related("need", "need__project", "pledge").order_by("-recorded_at", "-id")


PROJECT_SORTS = {
    "newest": ("-created_at", "-id"),
    "deadline": (F("deadline").asc(nulls_last=True), "-id"),
    "most_missing": ("pledged_percent", "-created_at", "-id"),
    "most_supporters": ("-supporters", "-created_at", "-id"),
}


def project_list(*, viewer, filters=None, sort="newest"):
    """Public projects (or those the viewer may see), filtered and sorted, with progress.

    `filters` keys: community (slug), category, status, country, region, item (words of an open
    material need's label), q (words of the title, summary, place, hashtag, a need's label or
    unit: every significant word must be found, see donations/search.py); and currency, deadline_after,
    deadline_before (dates, inclusive), has_missing (True: some open need still misses something).
    """
    filters = filters or {}
    queryset = given(
        Project.objects.visible_to(viewer),
        community__slug=filters.get("community"),
        category=filters.get("category"),
        status=filters.get("status"),
        country__iexact=filters.get("country"),
        region__icontains=filters.get("region"),
        currency=filters.get("currency"),
        deadline__gte=filters.get("deadline_after"),
        deadline__lte=filters.get("deadline_before"),
    )
    # Plurals, accents and case aside (donations/search.py): "couvertures" finds "couverture".
    queryset = search.matching(queryset, words=filters.get("q") or "", items=filters.get("item") or "")
    if filters.get("has_missing") is not None:
        missing = Exists(
            needs_with_progress(Need.objects.filter(project=OuterRef("pk"), status=Need.Status.OPEN)).filter(
                missing__gt=0
            )
        )
        queryset = queryset.filter(missing if filters["has_missing"] else ~missing)
    ordering = PROJECT_SORTS.get(sort, PROJECT_SORTS["newest"])
    return projects_with_progress(queryset.select_related("community")).order_by(*ordering)


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


def search_pledges(queryset, *, search, viewer, project):
    """Pledges found by what a lead types: a reference (TWZ-7F3K9QX, any case, with or without
    dashes) finds its pledge; anything else a donor's handle, in part, "@" or not. An anonymous
    pledge is found by handle only by whom may see who made it (the project's leads): a
    moderator looking at the dashboard must not learn it that way."""
    search = (search or "").strip()
    if not search:
        return queryset
    pledge_id = pledge_id_from(search)
    if pledge_id is not None:
        return queryset.filter(pk=pledge_id)
    found = queryset.filter(donor__handle__icontains=search.lstrip("@")[:HANDLE_SEARCH_MAX])
    if not can_see_anonymous_donors(viewer, project):
        found = found.exclude(visibility=Pledge.Visibility.ANONYMOUS).filter(donor__profile_hidden_at=None)
    return found


def project_pledges_for_leads(*, project, viewer, status=None, need_id=None, channel=None, search=""):
    """A project's pledges with donors, needs and what arrived, for the lead dashboard."""
    queryset = filter_pledges(
        Pledge.objects.filter(need__project=project), status=status, need_id=need_id, channel=channel
    )
    queryset = search_pledges(queryset, search=search, viewer=viewer, project=project)
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


def community_projects(*, community):
    """The community's public projects, newest first, with progress for their bars."""
    return projects_with_progress(community.projects.public().select_related("community")).order_by(
        "-created_at", "-id"
    )


def needs_visible_to(*, viewer, project_slug=None, kind=None, status=None):
    """Needs with progress of the projects the viewer may see, in project then need order."""
    queryset = Need.objects.filter(project__in=Project.objects.visible_to(viewer).values("pk"))
    queryset = given(queryset, project__slug=project_slug, kind=kind, status=status)
    return needs_with_progress(queryset.select_related("project")).order_by("project_id", "position", "id")


def need_detail(*, need_id):
    """One need with its progress and project. No visibility rule here: the caller has checked
    that the viewer may see its project (projects.page_access.shown_project), as for the project's
    own detail, which lists its needs."""
    return needs_with_progress(Need.objects.filter(pk=need_id).select_related("project")).get()


def member_public_pledges(*, member, limit=PROFILE_PLEDGES_LIMIT):
    """The member's latest standing pledges made under their handle, on public projects.

    Anonymous pledges are never listed here, whoever looks: the profile is public, and the
    donor finds their own anonymous pledges in "my pledges". Nor are those on projects hidden
    by moderation, or on drafts cancelled before they opened (ProjectQuerySet.public).
    """
    return list(
        Pledge.objects.filter(
            donor=member,
            visibility=Pledge.Visibility.PUBLIC,
            status__in=Pledge.STANDING_STATUSES,
            need__project__in=Project.objects.public(),
        )
        .select_related("need__project")
        .order_by("-created_at", "-id")[:limit]
    )


def member_led_projects(*, member, viewer):
    """Projects the member leads that the viewer may see (drafts only for who may see them)."""
    queryset = Project.objects.visible_to(viewer).filter(leads=member).select_related("community")
    return projects_with_progress(queryset).order_by("-created_at", "-id")


def project_pledge_counts(*, project):
    """How many of the project's pledges nothing has arrived for yet, and how many are partly
    received: what closing or cancelling the project does to them (one query)."""
    return Pledge.objects.filter(need__project=project).aggregate(
        waiting=Count("pk", filter=Q(status=Pledge.Status.PLEDGED)),
        partly=Count("pk", filter=Q(status=Pledge.Status.PARTIALLY_FULFILLED)),
    )
