"""The project a page works on, or the refusal the viewer gets: 404 for a project they may not
see (its existence is not disclosed), 403 for a page of a project they see but do not run.

Leads are prefetched so that "is this viewer a lead?" costs no query, however many rows the
page then shows.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from projects import permissions
from projects.models import Project


def visible_project(request, slug):
    project = get_object_or_404(Project.objects.select_related("community").prefetch_related("leads"), slug=slug)
    if not permissions.can_view_project(request.user, project):
        raise Http404
    return project


def publishing_project(request, slug):
    """A project whose milestones, updates and expenses the viewer writes (its leads)."""
    project = visible_project(request, slug)
    if not permissions.can_publish(request.user, project):
        raise PermissionDenied
    return project
