"""Update pages: the leads' list, writing, editing and publishing (with photos); the public page
of one update; the page that stops a project's update emails from a link in one of them.

As on the dashboard (projects/lead_views.py): the project in the URL first (404 when the viewer
may not see it), then "does the viewer lead it?" (403), then the update inside that project
(404). An update the viewer may not read (a draft, or for supporters only) is a 404, as if it
did not exist. Writes go through projects/updates.py.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotAllowed, add_to_form
from projects.models import Project
from projects.page_access import project_for, visible_project
from publishing import updates as update_services
from publishing.models import Update, UpdateEmail
from publishing.permissions import can_publish, can_read_supporters_only
from publishing.update_emails import unsubscribe_token_read
from publishing.update_forms import UpdateForm


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
    project; for supporters only, to its supporters, leads and moderators; a draft, to its leads."""
    project = visible_project(request, slug)
    update = get_object_or_404(
        Update.objects.select_related("author").prefetch_related("photos"), pk=update_id, project=project
    )
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
    project = get_object_or_404(Project, slug=slug)
    member = _unsubscribe_subject(project, token)
    context = {"project": project, "token": token, "done": False}
    if member is None:
        return render(request, "publishing/update_unsubscribe.html", {**context, "invalid": True}, status=400)
    if request.method == "POST":
        update_services.update_email_opt_out(project=project, member=member)
        context["done"] = True
    return render(request, "publishing/update_unsubscribe.html", context)
