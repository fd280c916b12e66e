"""Reads for the project page's timeline and milestones, in a fixed number of queries.

The timeline is one table (TimelineEntry) whose rows point at an update, a milestone, a
threshold or an expense, written by the services that create those. A page of it is: one
count, one query for the entries with what they point at (joined), and one query per kind of
photo owner present on the page (updates, milestones). However many entries the project has,
and whatever their mix, the page costs at most those four queries, plus the viewer's
permission question.
"""

from django.core.paginator import Paginator
from django.db.models import Q

from projects.permissions import can_see_hidden_content
from publishing import permissions
from publishing.models import Milestone, TimelineEntry

ENTRIES_PER_PAGE = 20
PAGE_PARAMETER = "timeline"


def project_timeline(*, project, viewer):
    """The project's timeline entries the viewer may see, newest first.

    Supporters-only entries (copied from their update) are shown only to those who may read
    them (publishing.permissions.can_read_supporters_only: supporters, leads, moderators); an
    update's entry shows only once the update is published. An update hidden by moderation is
    shown only to the project's leads and the community's moderators (marked hidden).
    """
    entries = TimelineEntry.objects.filter(project=project)
    if not permissions.can_read_supporters_only(viewer, project):
        entries = entries.filter(supporters_only=False)
    if not can_see_hidden_content(viewer, project):
        entries = entries.filter(Q(update__isnull=True) | Q(update__hidden_at__isnull=True))
    return (
        entries.filter(Q(update__isnull=True) | Q(update__published_at__isnull=False))
        .select_related("update", "milestone", "threshold__need", "expense", "expense__need")
        .prefetch_related("update__photos", "milestone__photos")
        .order_by("-at", "-id")
    )


def project_timeline_page(*, project, viewer, number):
    """One page of project_timeline; a missing, malformed or out-of-range number gives the
    nearest page (Paginator.get_page)."""
    entries = project_timeline(project=project, viewer=viewer)
    return Paginator(entries, ENTRIES_PER_PAGE).get_page(number)


def project_milestones(*, project):
    """The project's milestones in their order, for its page (one query)."""
    return list(Milestone.objects.filter(project=project).order_by("position", "id"))


def threshold_entry_record(*, threshold):
    """The timeline's line for a progress threshold reached (donations.hooks.threshold_reached),
    at the moment it was reached; written in the savepoint that records the threshold."""
    return TimelineEntry.objects.create(
        project_id=threshold.project_id,
        kind=TimelineEntry.Kind.THRESHOLD,
        at=threshold.reached_at,
        threshold=threshold,
    )
