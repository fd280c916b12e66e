"""The lead dashboard: a project's status and moves, its needs, its pledges and what arrived.

Every page here first finds the project in the URL (404 when the viewer may not see it),
then checks the viewer leads it (403), then finds the need or pledge inside that project
(404): a lead of one project can do nothing on another. Writes go through the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from donations import services as donation_services
from donations.models import Need, Pledge
from donations.receipts import valid_receipts_prefetch
from donations.selectors import pledges_with_received
from projects import permissions
from projects.errors import DomainError, NotAllowed, add_to_form
from projects.lead_forms import (
    LeadPledgeCancelForm,
    NeedForm,
    PledgeFilterForm,
    ProjectMoveForm,
    ReceptionForm,
    quantity_initial,
)
from projects.models import Project
from projects.page_access import visible_project
from projects.selectors import project_needs_for_leads, project_pledges_for_leads
from projects.services import project_transition

PLEDGES_PER_PAGE = 50

# The button that moves a project to each status.
MOVE_LABELS = {
    Project.Status.DRAFT: gettext_lazy("Back to draft"),
    Project.Status.IN_REVIEW: gettext_lazy("Submit for review"),
    Project.Status.OPEN: gettext_lazy("Open to pledges"),
    Project.Status.CLOSED: gettext_lazy("Stop taking pledges"),
    Project.Status.COMPLETED: gettext_lazy("Mark as completed"),
    Project.Status.CANCELLED: gettext_lazy("Cancel the project"),
}
# A lead may still cancel what has not fully arrived (the service has the last word).
LEAD_CANCELLABLE_STATUSES = (Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED)


def _managed_project(request, slug):
    project = visible_project(request, slug)
    if not permissions.can_manage_project(request.user, project):
        raise PermissionDenied
    return project


def _to_dashboard(project):
    return redirect("projects:dashboard", slug=project.slug)


@login_required
def dashboard(request, slug):
    project = visible_project(request, slug)
    if not permissions.can_view_dashboard(request.user, project):
        raise PermissionDenied
    needs = list(project_needs_for_leads(project=project))
    filter_form = PledgeFilterForm(request.GET, needs=needs)
    pledges = project_pledges_for_leads(project=project, **filter_form.filters())
    # Each pledge's valid receipt, for leads and moderators to download: one query per page.
    pledges = pledges.prefetch_related(valid_receipts_prefetch())
    page = Paginator(pledges, PLEDGES_PER_PAGE).get_page(request.GET.get("page"))
    for pledge in page:
        pledge.need.project = project
        pledge.shown_donor = pledge.donor_shown_to(request.user)
    moves = [(status, MOVE_LABELS[status]) for status in permissions.allowed_moves_for(request.user, project)]
    return render(
        request,
        "projects/dashboard.html",
        {
            "project": project,
            "can_manage": permissions.can_manage_project(request.user, project),
            "moves": moves,
            "cancelled_status": Project.Status.CANCELLED,
            "needs": needs,
            "filter_form": filter_form,
            "page": page,
            "pledges": page.object_list,
            "records_receptions": project.status in donation_services.RECEIVING_PROJECT_STATUSES,
            "adds_needs": project.status in donation_services.NEED_EDITABLE_PROJECT_STATUSES,
            "receivable_statuses": Pledge.RECEIVABLE_STATUSES,
            "cancellable_statuses": LEAD_CANCELLABLE_STATUSES,
            "open_need_status": Need.Status.OPEN,
        },
    )


@require_POST
@login_required
def project_move(request, slug):
    project = visible_project(request, slug)
    if not permissions.can_view_dashboard(request.user, project):
        raise PermissionDenied
    form = ProjectMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status the project may move to."))
        return _to_dashboard(project)
    try:
        project = project_transition(project=project, actor=request.user, **form.cleaned_data)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The project is now “%(status)s”.") % {"status": project.get_status_display()})
    return _to_dashboard(project)


def _need_form_page(request, project, need=None):
    if need is None:
        form = NeedForm(request.POST or None)
    else:
        form = NeedForm(request.POST or None, initial=NeedForm.initial_for(need))
    if request.method == "POST" and form.is_valid():
        try:
            if need is None:
                donation_services.need_create(project=project, actor=request.user, **form.cleaned_data)
            else:
                donation_services.need_update(need=need, actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The need is saved."))
            return _to_dashboard(project)
    return render(request, "projects/need_form.html", {"project": project, "need": need, "form": form})


@login_required
def need_add(request, slug):
    project = _managed_project(request, slug)
    return _need_form_page(request, project)


@login_required
def need_edit(request, slug, need_id):
    project = _managed_project(request, slug)
    need = get_object_or_404(Need, pk=need_id, project=project)
    return _need_form_page(request, project, need)


@require_POST
@login_required
def need_close(request, slug, need_id):
    project = _managed_project(request, slug)
    need = get_object_or_404(Need, pk=need_id, project=project)
    try:
        donation_services.need_close(need=need, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(need)s” no longer takes pledges.") % {"need": need.label})
    return _to_dashboard(project)


def _project_pledge(request, project, pledge_id):
    pledge = get_object_or_404(
        pledges_with_received(Pledge.objects.select_related("need", "donor").prefetch_related("receptions")),
        pk=pledge_id,
        need__project=project,
    )
    pledge.need.project = project
    pledge.shown_donor = pledge.donor_shown_to(request.user)
    return pledge


@login_required
def reception_add(request, slug, pledge_id):
    project = _managed_project(request, slug)
    pledge = _project_pledge(request, project, pledge_id)
    if not permissions.can_record_reception(request.user, pledge):
        raise PermissionDenied
    remaining = pledge.quantity - pledge.received
    form = ReceptionForm(
        request.POST or None, initial={"quantity": quantity_initial(remaining) if remaining > 0 else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            donation_services.reception_record(pledge=pledge, actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The reception is recorded."))
            return _to_dashboard(project)
    return render(request, "projects/reception_form.html", {"project": project, "pledge": pledge, "form": form})


@login_required
def lead_pledge_cancel(request, slug, pledge_id):
    project = _managed_project(request, slug)
    pledge = _project_pledge(request, project, pledge_id)
    form = LeadPledgeCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            donation_services.pledge_cancel(pledge=pledge, actor=request.user, reason=form.cleaned_data["reason"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The pledge is cancelled; the donor sees your reason."))
            return _to_dashboard(project)
    return render(
        request, "projects/dashboard_pledge_cancel.html", {"project": project, "pledge": pledge, "form": form}
    )
