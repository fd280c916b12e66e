"""Pages of projects: proposing a project, editing its description, joining a community, a
lead's or moderator's lifecycle moves (the buttons of the dashboard), and the team: inviting
co-leads, answering an invitation, removing a lead or stepping down.

The pages that show a project with its needs, pledges and timeline (the list, a project's page,
a community's page, the dashboard) are pages/, which brings the domains together.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as member_selectors
from accounts.models import Member
from core import rates
from core.errors import DomainError, NotAllowed, add_to_form
from projects import permissions, selectors, services
from projects.forms import LeadInviteForm, ProjectEditForm, ProjectForm, ProjectMoveForm
from projects.models import Community, LeadInvitation
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


# --- The team ------------------------------------------------------------------------------------


def _team_page(request, project, form, status=200):
    context = {
        "project": project,
        "form": form,
        "can_manage": permissions.can_manage_team(request.user, project),
        **selectors.project_team(project=project),
    }
    return render(request, "projects/team.html", context, status=status)


@login_required
@rates.limit_posts("invitation", per="member")  # one budget with the API's invitations
def project_team(request, slug):
    """The leads, the open invitations and the latest changes, to every lead; inviting, withdrawing
    and removing to those who manage the team (the leads, the community's moderators)."""
    project = project_for(request, slug, may=permissions.can_view_dashboard)
    form = LeadInviteForm(request.POST or None)
    if request.method == "POST":
        if not permissions.can_manage_team(request.user, project):
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = services.lead_invitation_create(
                    project=project, actor=request.user, handle=form.cleaned_data["handle"]
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("@%(handle)s is invited: they accept or decline on their invitations page.")
                    % {"handle": invitation.member.handle},
                )
                return redirect("projects:team", slug=project.slug)
        return _team_page(request, project, form, status=400)
    return _team_page(request, project, form)


@require_POST
@login_required
def invitation_withdraw(request, slug, invitation_id):
    project = project_for(request, slug, may=permissions.can_manage_team)
    invitation = get_object_or_404(LeadInvitation, pk=invitation_id, project=project)
    try:
        services.lead_invitation_withdraw(invitation=invitation, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation is withdrawn."))
    return redirect("projects:team", slug=project.slug)


@require_POST
@login_required
def lead_remove(request, slug, handle):
    """Remove a lead, or step down (the lead's own handle): never the last lead."""
    project = project_for(request, slug, may=permissions.can_view_dashboard)
    try:
        lead = member_selectors.member_by_handle(handle=handle)
    except Member.DoesNotExist:
        raise Http404 from None
    try:
        services.project_remove_lead(project=project, actor=request.user, member=lead)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("projects:team", slug=project.slug)
    if lead.pk == request.user.pk:
        messages.success(request, _("You stepped down: you no longer lead “%(project)s”.") % {"project": project.title})
        return redirect(project)
    messages.success(request, _("@%(handle)s no longer leads this project.") % {"handle": lead.handle})
    return redirect("projects:team", slug=project.slug)


@login_required
def my_invitations(request):
    invitations = list(selectors.member_open_invitations(member=request.user))
    return render(request, "projects/my_invitations.html", {"invitations": invitations})


@require_POST
@login_required
def invitation_answer(request, invitation_id, answer):
    """Accept or decline: only the invited member; anyone else gets a 404 (an invitation's
    existence is the member's own business)."""
    invitation = get_object_or_404(LeadInvitation.objects.select_related("project"), pk=invitation_id)
    if not permissions.can_answer_invitation(request.user, invitation):
        raise Http404
    answering = services.lead_invitation_accept if answer == "accept" else services.lead_invitation_decline
    try:
        answering(invitation=invitation, actor=request.user)
    except DomainError as error:  # lapsed, answered already, suspended in the community
        messages.error(request, error.message)
    else:
        if answer == "accept":
            messages.success(request, _("You now co-lead “%(project)s”.") % {"project": invitation.project.title})
            return redirect("pages:dashboard", slug=invitation.project.slug)
        messages.success(request, _("You declined the invitation."))
    return redirect("projects:my_invitations")
