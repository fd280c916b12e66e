"""The leads' milestone pages: the ordered list (with up/down buttons that work without
JavaScript), adding one, and editing one (status, date done, evidence note and photos).

As on the dashboard: the project in the URL first (projects/page_access.py: 404 when the viewer
may not see it, 403 when they do not lead it), then the milestone inside that project (404).
Writes go through projects/milestones.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotAllowed, add_to_form
from projects.page_access import project_for
from publishing import milestones as milestone_services
from publishing.milestone_forms import MilestoneCreateForm, MilestoneForm
from publishing.models import Milestone
from publishing.permissions import can_publish


def _to_list(project):
    return redirect("publishing:milestones", slug=project.slug)


@login_required
def milestone_list(request, slug):
    project = project_for(request, slug, may=can_publish)
    milestones = list(project.milestones.prefetch_related("photos"))
    return render(request, "publishing/milestones.html", {"project": project, "milestones": milestones})


@login_required
def milestone_add(request, slug):
    project = project_for(request, slug, may=can_publish)
    form = MilestoneCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            milestone_services.milestone_create(project=project, actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The milestone is added at the end of the list."))
            return _to_list(project)
    return render(request, "publishing/milestone_form.html", {"project": project, "milestone": None, "form": form})


@login_required
def milestone_edit(request, slug, milestone_id):
    project = project_for(request, slug, may=can_publish)
    milestone = get_object_or_404(Milestone.objects.prefetch_related("photos"), pk=milestone_id, project=project)
    if request.method == "POST":
        form = MilestoneForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                milestone_services.milestone_update(milestone=milestone, actor=request.user, **form.cleaned_data)
            except NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The milestone is saved."))
                return _to_list(project)
    else:
        form = MilestoneForm(initial=MilestoneForm.initial_for(milestone))
    return render(request, "publishing/milestone_form.html", {"project": project, "milestone": milestone, "form": form})


@require_POST
@login_required
def milestone_move(request, slug, milestone_id):
    """One place up or down. The new order is computed from the stored one and applied whole."""
    project = project_for(request, slug, may=can_publish)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose up or down."))
        return _to_list(project)
    ordered_ids = list(project.milestones.values_list("pk", flat=True))
    try:
        milestone_services.milestone_reorder(
            project=project,
            actor=request.user,
            ordered_ids=milestone_services.milestone_moved(ordered_ids, milestone.pk, direction),
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    return _to_list(project)
