"""Pages of donations: a donor pledges towards a need or withdraws a pledge not yet started; a
lead adds, edits and closes needs, records what arrived for a pledge, cancels one with a reason.

The leads' pages first find the project in the URL (404 when the viewer may not see it), then
check the viewer leads it (403), then find the need or pledge inside that project (404): a lead
of one project can do nothing on another. Writes go through the services. The dashboard that
lists all this is a page of pages/; "my pledges" too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import rates
from core.errors import DomainError, NotAllowed, add_to_form
from core.formatting import as_typed
from donations import services
from donations.forms import (
    DonorCancelForm,
    GivingDetailsForm,
    LeadPledgeCancelForm,
    NeedForm,
    PledgeForm,
    ReceptionForm,
    collection_points_formset,
    kept_rows,
    mobile_money_formset,
)
from donations.giving import instructions_for, project_giving
from donations.models import Need, Pledge
from donations.permissions import can_record_reception
from donations.progress import needs_with_progress, pledges_with_received
from projects import permissions as project_permissions
from projects.page_access import project_for


def _managed_project(request, slug):
    return project_for(request, slug, may=project_permissions.can_manage_project)


def _to_dashboard(project):
    return redirect("pages:dashboard", slug=project.slug)


@login_required
@rates.limit_posts("pledge", per="member", rate=rates.api_rate)  # one budget with the API's pledges
def pledge_create(request, slug, need_id):
    need = get_object_or_404(
        needs_with_progress(Need.objects.select_related("project", "project__community")),
        pk=need_id,
        project__slug=slug,
    )
    project = need.project
    if not project_permissions.can_view_project(request.user, project):
        raise Http404
    form = PledgeForm(request.POST or None, need=need)
    if request.method == "POST" and form.is_valid():
        try:
            pledge = services.pledge_create(donor=request.user, need=need, **form.cleaned_data)
        except DomainError as error:
            add_to_form(form, error)
        else:
            if pledge.is_card:
                # Paying is a step of its own (payment_views.card_pay): the pledge stands even if
                # the donor pays later, or Stripe is unreachable right now.
                messages.success(request, _("Your pledge is recorded: pay it by card now, or later from “My pledges”."))
                return redirect("payments:card_pay", pledge_id=pledge.pk)
            messages.success(request, _("Thank you! Your pledge is recorded."))
            return redirect("donations:pledge_detail", pledge_id=pledge.pk)
    return render(
        request,
        "donations/pledge_form.html",
        {
            "project": project,
            "need": need,
            "form": form,
            "takes_pledges": project.takes_pledges and need.status == Need.Status.OPEN,
        },
    )


@login_required
def pledge_detail(request, pledge_id):
    """A donor's own pledge: what to send, where, with which reference and by when; what arrived."""
    # Someone else's pledge does not exist on this page.
    pledge = get_object_or_404(
        pledges_with_received(Pledge.objects.select_related("need", "need__project")).prefetch_related("receptions"),
        pk=pledge_id,
        donor=request.user,
    )
    project = pledge.need.project
    return render(
        request,
        "donations/pledge_detail.html",
        {
            "pledge": pledge,
            "need": pledge.need,
            "project": project,
            "instructions": instructions_for(pledge, project_giving(project=project)),
            "leads": project.leads.all(),
            "withdrawable": pledge.status == Pledge.Status.PLEDGED,
            "cancel_form": DonorCancelForm(),
        },
    )


@require_POST
@login_required
def pledge_cancel(request, pledge_id):
    # Someone else's pledge does not exist on this page.
    pledge = get_object_or_404(Pledge.objects.select_related("need"), pk=pledge_id, donor=request.user)
    form = DonorCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("pages:my_pledges")
    try:
        services.pledge_cancel(pledge=pledge, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your pledge is cancelled."))
    return redirect("pages:my_pledges")


def _need_form_page(request, project, need=None):
    if need is None:
        form = NeedForm(request.POST or None)
    else:
        form = NeedForm(request.POST or None, initial=NeedForm.initial_for(need))
    if request.method == "POST" and form.is_valid():
        try:
            if need is None:
                services.need_create(project=project, actor=request.user, **form.cleaned_data)
            else:
                services.need_update(need=need, actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The need is saved."))
            return _to_dashboard(project)
    return render(request, "donations/need_form.html", {"project": project, "need": need, "form": form})


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
        services.need_close(need=need, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(need)s” no longer takes pledges.") % {"need": need.label})
    return _to_dashboard(project)


@login_required
def giving_edit(request, slug):
    """The leads say how to give: bank account, mobile-money numbers, cash contact, collection
    points, the days a donor has to send a pledge, and whether the project's page shows them."""
    project = _managed_project(request, slug)
    giving = project_giving(project=project)
    data = request.POST if request.method == "POST" else None
    form = GivingDetailsForm(data, instance=giving.details)
    mobile_money = mobile_money_formset(data, rows=giving.mobile_money)
    points = collection_points_formset(data, rows=giving.collection_points)
    if data is not None and form.is_valid() and mobile_money.is_valid() and points.is_valid():
        try:
            services.giving_details_set(
                project=project,
                actor=request.user,
                details=form.cleaned_data,
                mobile_money=kept_rows(mobile_money),
                collection_points=kept_rows(points),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("How to give is saved: donors see it as soon as they pledge."))
            return _to_dashboard(project)
    return render(
        request,
        "donations/giving_form.html",
        {"project": project, "form": form, "mobile_money": mobile_money, "points": points},
    )


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
    if not can_record_reception(request.user, pledge):
        raise PermissionDenied
    remaining = pledge.quantity - pledge.received
    form = ReceptionForm(
        request.POST or None, initial={"quantity": as_typed(remaining) if remaining > 0 else ""}, need=pledge.need
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reception_record(pledge=pledge, actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The reception is recorded."))
            return _to_dashboard(project)
    return render(request, "donations/reception_form.html", {"project": project, "pledge": pledge, "form": form})


@login_required
def lead_pledge_cancel(request, slug, pledge_id):
    project = _managed_project(request, slug)
    pledge = _project_pledge(request, project, pledge_id)
    form = LeadPledgeCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_cancel(pledge=pledge, actor=request.user, reason=form.cleaned_data["reason"])
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The pledge is cancelled; the donor sees your reason."))
            return _to_dashboard(project)
    return render(request, "donations/pledge_cancel.html", {"project": project, "pledge": pledge, "form": form})
