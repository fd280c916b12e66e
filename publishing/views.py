"""The leads' pages for what a project publishes, and the public pages of updates and expenses.

Milestones: the ordered list (up/down buttons that work without JavaScript), adding one, editing
one (status, date done, evidence note and photos). Updates: the leads' list, writing, editing and
publishing; the public page of one update; the unsubscribe link of their emails. Expenses: the
public list with collected, spent and balance; recording and correcting for leads.

As on the dashboard: the project in the URL first (projects/page_access.py: 404 when the viewer
may not see it, 403 when they do not lead it), then the milestone, update or expense inside that
project (404). Writes go through the services (milestones.py, updates.py, expenses.py).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotAllowed, add_to_form
from donations.models import Need
from projects.models import Project
from projects.page_access import project_for, visible_project
from projects.permissions import can_see_hidden_content, can_view_project
from publishing import milestones as milestone_services
from publishing import updates as update_services
from publishing.expenses import expense_correct, expense_record, project_expenses, project_spending
from publishing.forms import ExpenseCorrectForm, ExpenseForm, MilestoneCreateForm, MilestoneForm, UpdateForm
from publishing.models import Milestone, Update, UpdateEmail
from publishing.permissions import can_publish, can_read_supporters_only
from publishing.update_emails import unsubscribe_token_read


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


def _lead_update(project, update_id):
    return get_object_or_404(Update.objects.prefetch_related("photos"), pk=update_id, project=project)


def _to_list(project):
    return redirect("publishing:updates_manage", slug=project.slug)


def _published_message(request, update):
    queued = UpdateEmail.objects.filter(update=update).count()
    messages.success(
        request,
        ngettext(
            "The update is published. %(count)d supporter will receive it by email.",
            "The update is published. %(count)d supporters will receive it by email.",
            queued,
        )
        % {"count": queued},
    )


@login_required
def update_list(request, slug):
    """The project's updates for its leads: drafts first, then the published ones, newest first."""
    project = project_for(request, slug, may=can_publish)
    updates = project.updates.annotate(
        photo_count=Count("photos", distinct=True),
        emails_sent=Count("emails", filter=Q(emails__status=UpdateEmail.Status.SENT), distinct=True),
        emails_queued=Count("emails", distinct=True),
    ).order_by(F("published_at").desc(nulls_first=True), "-id")
    return render(request, "publishing/update_list.html", {"project": project, "updates": updates})


@login_required
def update_add(request, slug):
    project = project_for(request, slug, may=can_publish)
    form = UpdateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        publish = "publish" in request.POST
        try:
            update = update_services.update_create(
                project=project, actor=request.user, photos=data.pop("photos"), publish=publish, **data
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            if publish:
                _published_message(request, update)
            else:
                messages.success(request, _("The draft is saved. Publish it when it is ready."))
            return _to_list(project)
    return render(request, "publishing/update_form.html", {"project": project, "update": None, "form": form})


@login_required
def update_edit(request, slug, update_id):
    project = project_for(request, slug, may=can_publish)
    update = _lead_update(project, update_id)
    if request.method == "POST":
        form = UpdateForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                update_services.update_edit(update=update, actor=request.user, photos=data.pop("photos"), **data)
            except NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The update is saved."))
                return _to_list(project)
    else:
        form = UpdateForm(initial=UpdateForm.initial_for(update))
    return render(request, "publishing/update_form.html", {"project": project, "update": update, "form": form})


@require_POST
@login_required
def update_publish(request, slug, update_id):
    project = project_for(request, slug, may=can_publish)
    update = _lead_update(project, update_id)
    if update.published_at is not None:
        messages.info(request, _("This update was already published."))
        return _to_list(project)
    try:
        update = update_services.update_publish(update=update, actor=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _published_message(request, update)
    return _to_list(project)


def update_detail(request, slug, update_id):
    """One update for whoever may read it: published and public for everyone who sees the
    project; for supporters only, to its supporters, leads and moderators; a draft, to its leads;
    hidden by moderation, to its leads and the community's moderators (marked hidden)."""
    project = visible_project(request, slug)
    update = get_object_or_404(
        Update.objects.select_related("author").prefetch_related("photos"), pk=update_id, project=project
    )
    if update.is_hidden and not can_see_hidden_content(request.user, project):
        raise Http404
    if update.published_at is None:
        if not can_publish(request.user, project):
            raise Http404
    elif update.supporters_only and not can_read_supporters_only(request.user, project):
        raise Http404
    return render(
        request,
        "publishing/update_detail.html",
        {"project": project, "update": update, "can_publish": can_publish(request.user, project)},
    )


def _unsubscribe_subject(project, token):
    """The member a valid token for this project names, or None."""
    try:
        member_id, project_id = unsubscribe_token_read(token)
    except signing.BadSignature:
        return None
    if project_id != project.pk:
        return None
    return get_user_model().objects.filter(pk=member_id).first()


# No login and no CSRF token: the signed token is the credential, and mail clients POST here
# for one-click unsubscription (RFC 8058, the List-Unsubscribe-Post header). GET only shows
# the confirmation: link scanners follow links, and must not unsubscribe anyone.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def update_unsubscribe(request, slug, token):
    project = get_object_or_404(Project.objects.select_related("community"), slug=slug)
    member = _unsubscribe_subject(project, token)
    context = {"project": project, "token": token, "done": False}
    if member is None:
        # Without a valid token, the page names the project only to who may see it anyway.
        if not can_view_project(request.user, project):
            raise Http404
        return render(request, "publishing/update_unsubscribe.html", {**context, "invalid": True}, status=400)
    if request.method == "POST":
        update_services.update_email_opt_out(project=project, member=member)
        context["done"] = True
    return render(request, "publishing/update_unsubscribe.html", context)


EXPENSES_PER_PAGE = 25


def _needs(project):
    return list(Need.objects.filter(project=project).order_by("position", "id"))


def _is_corrected(expense):
    try:
        return expense.reversed_by is not None
    except ObjectDoesNotExist:
        return False


def _to_list(project):
    return redirect("publishing:expenses", slug=project.slug)


def expense_list(request, slug):
    """Everyone sees what was spent, with the suppliers' receipts and every correction."""
    project = visible_project(request, slug)
    page = Paginator(project_expenses(project), EXPENSES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "publishing/expenses.html",
        {
            "project": project,
            "spending": project_spending(project),
            "page": page,
            "expenses": page.object_list,
            "viewer_is_lead": can_publish(request.user, project),
        },
    )


@login_required
def expense_add(request, slug):
    project = project_for(request, slug, may=can_publish)
    form = ExpenseForm(request.POST or None, request.FILES or None, project=project, needs=_needs(project))
    if request.method == "POST" and form.is_valid():
        try:
            expense = expense_record(project=project, actor=request.user, **form.service_arguments())
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The expense “%(expense)s” is recorded.") % {"expense": expense.description})
            return _to_list(project)
    return render(request, "publishing/expense_form.html", {"project": project, "form": form, "expense": None})


@login_required
def expense_correct_page(request, slug, expense_id):
    project = project_for(request, slug, may=can_publish)
    expense = get_object_or_404(project_expenses(project).select_related("recorded_by"), pk=expense_id, project=project)
    if expense.is_reversal or _is_corrected(expense):
        messages.error(request, _("This entry cannot be corrected: it is a correction, or was already corrected."))
        return _to_list(project)
    form = ExpenseCorrectForm(
        request.POST or None, request.FILES or None, project=project, needs=_needs(project), expense=expense
    )
    if request.method == "POST" and form.is_valid():
        try:
            _reversal, replacement = expense_correct(expense=expense, actor=request.user, **form.service_arguments())
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            add_to_form(form, error)
        else:
            if replacement is None:
                messages.success(request, _("The expense is cancelled by a correcting entry."))
            else:
                messages.success(request, _("The expense is corrected: the old entry is reversed, the new one added."))
            return _to_list(project)
    return render(request, "publishing/expense_form.html", {"project": project, "form": form, "expense": expense})
