"""Reads of what a project publishes, and of the project as its page, card and report show it."""

from django.db.models import Prefetch

from donations.models import Need
from donations.progress import needs_with_progress, projects_with_progress
from projects.models import Project
from publishing.expenses import spending_annotations
from publishing.models import Milestone, Update


def project_detail(*, slug):
    """One project with its community, leads and needs (each with progress) in a fixed number
    of queries."""
    return (
        # Its "how to give" row too (the page shows it when public): no query of its own.
        projects_with_progress(Project.objects.select_related("community", "giving_details"))
        # Collected − spent on the page (publishing/expenses.py: project_spending), in the same query.
        .annotate(**spending_annotations())
        .prefetch_related(
            "leads",
            Prefetch("needs", queryset=needs_with_progress(Need.objects.all()).order_by("position", "id")),
        )
        .get(slug=slug)
    )


def project_published_updates(*, project, include_supporters_only):
    """A project's published updates, newest first, with their authors and photos (two queries
    a page). Supporters-only ones only when `include_supporters_only`: the caller asks
    permissions.can_read_supporters_only. Never those hidden by moderation (their leads find
    them on the project's page and their own list)."""
    updates = Update.objects.filter(project=project, published_at__isnull=False, hidden_at__isnull=True)
    if not include_supporters_only:
        updates = updates.filter(audience=Update.Audience.PUBLIC)
    return updates.select_related("author").prefetch_related("photos").order_by("-published_at", "-id")


def project_milestones_with_photos(*, project):
    """A project's milestones in their order, with their evidence photos (two queries)."""
    return Milestone.objects.filter(project=project).prefetch_related("photos").order_by("position", "id")
