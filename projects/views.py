"""Public pages of projects and communities, and proposing or editing a project.

The lead dashboard lives in projects/lead_views.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import permissions, selectors, services, timeline
from projects.errors import DomainError, NotAllowed, add_to_form
from projects.expenses import project_spending
from projects.forms import ProjectEditForm, ProjectFilterForm, ProjectForm
from projects.models import Community, Project

PROJECTS_PER_PAGE = 12


def project_list(request):
    form = ProjectFilterForm(request.GET)
    filters, sort = form.filters_and_sort()
    projects = selectors.project_list(viewer=request.user, filters=filters, sort=sort)
    # get_page turns a missing, malformed or out-of-range page number into the nearest page.
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "projects/list.html", {"form": form, "page": page, "filtered": bool(filters)})


def project_detail(request, slug):
    try:
        project = selectors.project_detail(slug=slug)
    except Project.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view_project(request.user, project):
        raise Http404
    supporters = selectors.project_supporters(project=project)
    for pledge in supporters:
        # The project already holds its prefetched leads: asking it whether the viewer is a
        # lead costs no query, where each pledge's own copy would cost one.
        pledge.need.project = project
    context = {
        "project": project,
        "needs": project.needs.all(),
        "leads": project.leads.all(),
        "supporters": [(pledge, pledge.donor_shown_to(request.user)) for pledge in supporters],
        "viewer_is_lead": permissions.is_lead(request.user, project),
        "page_url": request.build_absolute_uri(project.get_absolute_url()),
        "cover_url": request.build_absolute_uri(project.cover_image.url) if project.cover_image else "",
        # Collected, spent, balance: from the project's own annotations, no query (projects/expenses.py).
        "spending": project_spending(project),
        "milestones": timeline.project_milestones(project=project),
        "timeline": timeline.project_timeline_page(
            project=project, viewer=request.user, number=request.GET.get(timeline.PAGE_PARAMETER)
        ),
    }
    return render(request, "projects/detail.html", context)


def community_detail(request, slug):
    try:
        community = selectors.community_detail(slug=slug, viewer=request.user)
    except Community.DoesNotExist:
        raise Http404 from None
    projects = selectors.community_projects(community=community)
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "projects/community.html", {"community": community, "page": page})


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
                return redirect("projects:dashboard", slug=project.slug)
    else:
        form = ProjectForm(initial={"community": request.GET.get("community")})
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@login_required
def project_edit(request, slug):
    project = get_object_or_404(Project.objects.select_related("community").prefetch_related("leads"), slug=slug)
    if not permissions.can_view_project(request.user, project):
        raise Http404
    if not permissions.can_manage_project(request.user, project):
        raise PermissionDenied
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


# The lead dashboard's views move to projects/lead_views.py; these names keep urls importing until then.
def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


dashboard = project_move = need_add = need_edit = need_close = reception_add = lead_pledge_cancel = _todo
