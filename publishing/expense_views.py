"""Expense pages: the public list with collected, spent and balance; recording and correcting
for leads.

As on the dashboard: the project in the URL first (404 when the viewer may not see it), then
the viewer must lead it (403), then the expense must be one of its own (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError, NotAllowed, add_to_form
from donations.models import Need
from projects.page_access import project_for, visible_project
from publishing.expense_forms import ExpenseCorrectForm, ExpenseForm
from publishing.expenses import expense_correct, expense_record, project_expenses, project_spending
from publishing.permissions import can_publish

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
