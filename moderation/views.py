"""The flag page and the moderation queue. Thin: a form, one service or selector, a page.

- /flag/<kind>/<id>/: a member reports a project, an update, a pledge's message or a profile
  (signed-out visitors are sent to log in; flags are limited per member, RATE_LIMITS["flag"]).
- /c/<slug>/moderate/: the community's queue, for its moderators and superusers (403 for anyone
  else, 404 for a community that does not exist); every action posts to a URL of its own and
  comes back to the queue with a message. /moderate/ is the superusers' queue for profiles of
  members who take part in no community.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Member
from core import rates
from core.errors import DomainError, add_to_form
from moderation import permissions, selectors, services
from moderation.content import KINDS
from moderation.forms import (
    FlagDecisionForm,
    FlagForm,
    LiftForm,
    PledgeCorrectionForm,
    PledgeFindForm,
    ReviewForm,
    SuspendForm,
)
from moderation.models import Flag
from projects.models import Community, Project

AUDIT_PER_PAGE = 25

FLAG_PAGE_TITLES = {
    Flag.Kind.PROJECT: gettext_lazy("Report this project"),
    Flag.Kind.UPDATE: gettext_lazy("Report this update"),
    Flag.Kind.PLEDGE: gettext_lazy("Report this message"),
    Flag.Kind.PROFILE: gettext_lazy("Report this profile"),
}


def _too_many_requests(request, retry_after):
    """429, with a page saying when to try again (the site's 429 page when there is one)."""
    response = render(
        request,
        ["429.html", "moderation/rate_limited.html"],
        {"retry_after": retry_after, "retry_minutes": max(1, (retry_after + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _flagged_content(kind, target_id, viewer):
    """The content of a flag URL, when the viewer may see it publicly; else 404 (its existence is
    not disclosed)."""
    content_kind = KINDS.get(kind)
    if content_kind is None:
        raise Http404
    try:
        content = content_kind.get(target_id)
    except content_kind.model.DoesNotExist:
        raise Http404 from None
    # Hidden content is gone from the public, the report form included: the form would show its
    # title, message or handle to any member.
    if content_kind.is_hidden(content) or not services.can_see_to_flag(viewer, content_kind, content):
        raise Http404
    return content_kind, content


def _back_to(content_kind, content):
    """Where the reporter goes once the report is recorded: the content, or its project's or the
    home page once it is hidden."""
    kind = content_kind.kind
    if kind == Flag.Kind.PLEDGE:
        return content.need.project.get_absolute_url() + "#supporters"
    if content_kind.is_hidden(content):
        if kind == Flag.Kind.UPDATE:
            return content.project.get_absolute_url()
        return reverse("pages:home")
    return content.get_absolute_url()


@login_required
def flag(request, kind, target_id):
    content_kind, content = _flagged_content(kind, target_id, request.user)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        retry_after = rates.hit(scope="flag", ident=request.user.pk, rate=settings.RATE_LIMITS["flag"])
        if retry_after is not None:
            return _too_many_requests(request, retry_after)
        if form.is_valid():
            try:
                services.flag_create(reporter=request.user, kind=kind, target_id=content.pk, **form.cleaned_data)
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Thank you: your report is recorded. The moderators will look at it."))
                content.refresh_from_db()
                return redirect(_back_to(content_kind, content))
    return render(
        request,
        "moderation/flag_form.html",
        {
            "form": form,
            "kind": content_kind.kind,
            "title": FLAG_PAGE_TITLES[content_kind.kind],
            "content": content,
            "threshold": settings.FLAG_HIDE_THRESHOLD,
        },
    )


def _moderated(request, slug):
    """The community of a queue URL, when the viewer moderates it (404: no such community; 403:
    not its moderator). `slug` None is the site's queue, for superusers."""
    community = None if slug is None else get_object_or_404(Community, slug=slug)
    if not permissions.can_moderate(request.user, community):
        raise PermissionDenied
    return community


def _to_queue(community, anchor=""):
    url = reverse("moderation:queue", args=[community.slug]) if community else reverse("moderation:site_queue")
    return redirect(f"{url}#{anchor}" if anchor else url)


def _form_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _act(request, community, form, action, *, success, anchor):
    """Run a queue action from a posted form: the service's refusal or the form's errors become
    messages on the queue, never a 500."""
    if not form.is_valid():
        _form_errors(request, form)
        return _to_queue(community, anchor)
    try:
        action(form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _to_queue(community, anchor)


@login_required
def queue(request, slug=None):
    community = _moderated(request, slug)
    items, flagged_total = selectors.flagged_items(community=community)
    context = {
        "community": community,
        "flagged_items": items,
        "flagged_total": flagged_total,
        "decision_form": FlagDecisionForm(),
    }
    if community is not None:
        find_form = PledgeFindForm(request.GET if "pledge" in request.GET else None)
        pledge = None
        if find_form.is_bound and find_form.is_valid():
            pledge = selectors.pledge_by_number(community=community, number=find_form.cleaned_data["pledge"])
            if pledge is None:
                find_form.add_error("pledge", _("No pledge of this community has this number."))
        context |= {
            "projects_in_review": selectors.projects_in_review(community=community),
            "review_form": ReviewForm(),
            "find_form": find_form,
            "pledge": pledge,
            "correction_form": PledgeCorrectionForm(),
            "suspend_form": SuspendForm(),
            "lift_form": LiftForm(),
            "suspended": selectors.suspended_memberships(community=community),
            "audit": Paginator(selectors.audit(community=community), AUDIT_PER_PAGE).get_page(request.GET.get("page")),
        }
    return render(request, "moderation/queue.html", context)


@require_POST
@login_required
def review(request, slug, project_id):
    community = _moderated(request, slug)
    project = get_object_or_404(Project, pk=project_id, community=community)

    def act(data):
        if data["decision"] == ReviewForm.APPROVE:
            services.project_approve(actor=request.user, community=community, project=project, note=data["note"])
        else:
            services.project_send_back(actor=request.user, community=community, project=project, note=data["note"])

    form = ReviewForm(request.POST)
    approved = request.POST.get("decision") == ReviewForm.APPROVE
    if approved:
        success = _("“%(title)s” is open to pledges.") % {"title": project.title}
    else:
        success = _("“%(title)s” is back in draft: its leads see your note.") % {"title": project.title}
    return _act(request, community, form, act, success=success, anchor="review")


@require_POST
@login_required
def decide(request, kind, target_id, slug=None):
    community = _moderated(request, slug)
    if kind not in KINDS:
        raise Http404

    def act(data):
        decide_service = (
            services.flagged_content_remove
            if data["decision"] == FlagDecisionForm.REMOVE
            else services.flagged_content_restore
        )
        decide_service(actor=request.user, community=community, kind=kind, target_id=target_id, note=data["note"])

    removed = request.POST.get("decision") == FlagDecisionForm.REMOVE
    success = _("Removed: it stays hidden, and its reports are upheld.") if removed else _("Restored: it shows again.")
    return _act(request, community, FlagDecisionForm(request.POST), act, success=success, anchor="flags")


@require_POST
@login_required
def pledge_correct(request, slug, pledge_id):
    community = _moderated(request, slug)
    pledge = selectors.pledge_by_number(community=community, number=pledge_id)
    if pledge is None:
        raise Http404

    def act(data):
        services.pledge_correct(
            actor=request.user,
            community=community,
            pledge_id=pledge.pk,
            correction=data["correction"],
            note=data["note"],
        )

    return _act(
        request,
        community,
        PledgeCorrectionForm(request.POST),
        act,
        success=_("The pledge is corrected."),
        anchor="pledges",
    )


@require_POST
@login_required
def suspend(request, slug):
    community = _moderated(request, slug)

    def act(data):
        member = Member.objects.filter(handle__iexact=data["handle"], is_active=True).first()
        if member is None:
            raise DomainError(_("No member has this handle."))
        services.member_suspend(actor=request.user, community=community, member=member, reason=data["reason"])

    return _act(
        request, community, SuspendForm(request.POST), act, success=_("The member is suspended."), anchor="suspensions"
    )


@require_POST
@login_required
def lift(request, slug, member_id):
    community = _moderated(request, slug)
    member = get_object_or_404(Member, pk=member_id)

    def act(data):
        services.member_lift_suspension(actor=request.user, community=community, member=member, note=data["note"])

    return _act(
        request, community, LiftForm(request.POST), act, success=_("The suspension is lifted."), anchor="suspensions"
    )
