"""Donor pages: pledge towards a need, follow one's pledges, withdraw one not yet started."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from donations import services
from donations.forms import DonorCancelForm, PledgeForm
from donations.models import Need, Pledge
from donations.receipts import donor_yearly_receipts, valid_receipts_prefetch
from donations.selectors import needs_with_progress, pledges_with_received
from projects import permissions
from projects.errors import DomainError, add_to_form

PLEDGES_PER_PAGE = 50


@login_required
def pledge_create(request, slug, need_id):
    need = get_object_or_404(
        needs_with_progress(Need.objects.select_related("project", "project__community")),
        pk=need_id,
        project__slug=slug,
    )
    project = need.project
    if not permissions.can_view_project(request.user, project):
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
                return redirect("donations:card_pay", pledge_id=pledge.pk)
            messages.success(request, _("Thank you! Your pledge is recorded."))
            return redirect("donations:mine")
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
def my_pledges(request):
    pledges = (
        pledges_with_received(Pledge.objects.filter(donor=request.user))
        .select_related("need", "need__project")
        .prefetch_related("receptions")
        .order_by("-created_at", "-id")
    )
    # Each pledge's valid receipt: one query for the whole page.
    pledges = pledges.prefetch_related(valid_receipts_prefetch())
    page = Paginator(pledges, PLEDGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/my_pledges.html",
        {
            "page": page,
            "pledges": page.object_list,
            "yearly_receipts": donor_yearly_receipts(donor=request.user),
            # The donor withdraws only before anything arrived (the service says so too).
            "withdrawable_status": Pledge.Status.PLEDGED,
            "card_channel": Pledge.Channel.CARD,
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
        return redirect("donations:mine")
    try:
        services.pledge_cancel(pledge=pledge, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your pledge is cancelled."))
    return redirect("donations:mine")
