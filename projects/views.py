"""Pages of projects: proposing a project, editing its description, joining a community, and a
lead's or moderator's lifecycle moves (the buttons of the dashboard).

The pages that show a project with its needs, pledges and timeline (the list, a project's page,
a community's page, the dashboard) are pages/, which brings the domains together.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotAllowed, add_to_form
from projects import permissions, services
from projects.forms import ProjectEditForm, ProjectForm, ProjectMoveForm
from projects.models import Community
from projects.page_access import project_for


def _to_dashboard(project):
    return redirect("pages:dashboard", slug=project.slug)


@require_POST
def community_join(request, slug):
    community = get_object_or_404(Community, slug=slug)
    if not request.user.is_authenticated:
        # Back to the community page after logging in: the join itself is a POST.
        return redirect_to_login(community.get_absolute_url())
    try:
        services.community_join(community=community, member=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are now a member of %(community)s.") % {"community": community.name})
    return redirect(community)


@login_required
def project_create(request):
    if request.method == "POST":
        form = ProjectForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                project = services.project_create_draft(creator=request.user, **form.service_arguments())
            except DomainError as error:
                add_to_form(form, error)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request, _("Your project is saved as a draft. Add its needs, then submit it for review.")
                )
                return redirect("pages:dashboard", slug=project.slug)
    else:
        form = ProjectForm(initial={"community": request.GET.get("community")})
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request, slug):
    project = project_for(request, slug, may=permissions.can_manage_project)
    if request.method == "POST":
        form = ProjectEditForm(request.POST, request.FILES, instance=project)
        if form.is_valid():
            try:
                project = services.project_update(project=project, actor=request.user, **form.service_arguments())
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                add_to_form(form, error)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The project is updated."))
                return redirect(project)
    else:
        form = ProjectEditForm(instance=project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@require_POST
@login_required
def project_move(request, slug):
    project = project_for(request, slug, may=permissions.can_view_dashboard)
    form = ProjectMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status the project may move to."))
        return _to_dashboard(project)
    try:
        project = services.project_transition(project=project, actor=request.user, **form.cleaned_data)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The project is now “%(status)s”.") % {"status": project.get_status_display()})
    return _to_dashboard(project)
