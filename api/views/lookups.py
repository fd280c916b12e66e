"""From a URL's id or slug to the row the viewer may see, or a 404 (as on the pages: that a
project exists is none of the business of those who may not see it)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from api.filters import MAX_ID
from projects import permissions as rules
from projects.models import Project

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
ID_PATTERN = r"[0-9]+"


def as_id(value):
    """A URL's id as an int, or 404 (ids beyond the database's range included)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number


def shown_project(viewer, project):
    """`project` if the viewer may see it, else 404."""
    if not rules.can_view_project(viewer, project):
        raise Http404
    return project


def visible_project(request, slug):
    """The project with this slug if the viewer may see it (with its community and leads), or 404."""
    projects = Project.objects.select_related("community").prefetch_related("leads")
    return shown_project(request.user, get_object_or_404(projects, slug=slug))
