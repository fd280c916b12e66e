"""The project a page works on, or the refusal the viewer gets: 404 for a project they may not
see (its existence is not disclosed), 403 for a page of a project they see but may not use.

Leads are prefetched so that "is this viewer a lead?" costs no query, however many rows the
page then shows.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects import permissions
from projects.models import Project


def shown_project(viewer, project):
    """`project` when the viewer may see it, else 404."""
    if not permissions.can_view_project(viewer, project):
        raise Http404
    return project


def visible_project(request, slug, *, read=None):
    """The project of the URL, as `read(slug=…)` returns it (a selector that annotates what the page
    shows; by default the project with its community and leads), or 404."""
    if read is None:
        read = Project.objects.select_related("community").prefetch_related("leads").get
    try:
        project = read(slug=slug)
    except Project.DoesNotExist:
        raise Http404 from None
    return shown_project(request.user, project)


def project_for(request, slug, *, may):
    """The visible project, when `may(viewer, project)` (a question of a permissions module, e.g.
    projects.permissions.can_manage_project for the leads' pages); else 403."""
    project = visible_project(request, slug)
    if not may(request.user, project):
        raise PermissionDenied
    return project
