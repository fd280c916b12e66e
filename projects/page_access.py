"""The project a page works on, or the refusal the viewer gets: 404 for a project they may not
see (its existence is not disclosed), 403 for a page of a project they see but may not use.

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


def project_for(request, slug, *, may):
    """The visible project, when `may(viewer, project)` (a question of a permissions module, e.g.
    projects.permissions.can_manage_project for the leads' pages); else 403."""
    project = visible_project(request, slug)
    if not may(request.user, project):
        raise PermissionDenied
    return project
