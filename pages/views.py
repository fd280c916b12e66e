"""The site's pages that bring several domains together: the home page with its project list,
a project's page (needs and progress, supporters, milestones, timeline, spending), a community's
page, a member's public profile, a lead's dashboard and a donor's pledges with their receipts.

Each reads through the selectors of the apps it shows and writes nothing: every form on these
pages posts to the page of the app that owns the write (donations, payments, projects,
publishing, receipts). The public ones (list, project, community) are served from the shared
cache to whoever sees them as the public does (core/page_cache.py, pages/shared.py).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import selectors as member_selectors
from accounts.models import Member
from accounts.permissions import can_view_profile
from core.page_cache import LiveParts, shared_page
from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.forms import DonorCancelForm
from donations.giving import instructions_for, is_overdue, project_giving, projects_giving, shown_giving
from donations.models import Need, Pledge
from donations.progress import pledges_with_received
from moderation import selectors as moderation_selectors
from pages import shared
from pages.forms import PledgeFilterForm, ProjectFilterForm
from projects import permissions
from projects import selectors as project_selectors
from projects.models import Community, Membership, Project
from projects.page_access import project_for, visible_project
from publishing import selectors as publishing_selectors
from publishing import timeline
from publishing.expenses import project_spending
from receipts.selectors import donor_yearly_receipts, valid_receipts_prefetch

PLEDGES_PER_PAGE = 50

PROJECTS_PER_PAGE = 12
# The project's page shows its latest pledges, and links to all of them when there are more: a
# phone on a slow connection gets a short page (a retweet brings thousands of them), and each
# pledge re-renders that list (core/page_cache.py, live parts).
SUPPORTERS_SHOWN = 20
SUPPORTERS_PER_PAGE = 50


@shared_page(versions=shared.home_versions, personal=shared.home_personal)
def home(request):
    form = ProjectFilterForm(request.GET)
    filters, sort = form.filters_and_sort()
    projects = donation_selectors.project_list(viewer=request.user, filters=filters, sort=sort)
    # get_page turns a missing, malformed or out-of-range page number into the nearest page.
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "pages/home.html", {"form": form, "page": page, "filtered": bool(filters)})


def _supporter_lines(request, project, pledges):
    """(pledge, donor as the viewer may see them) for each pledge of the project."""
    for pledge in pledges:
        # The project already holds its prefetched leads: asking it whether the viewer is a
        # lead costs no query, where each pledge's own copy would cost one.
        pledge.need.project = project
    return [(pledge, pledge.donor_shown_to(request.user)) for pledge in pledges]


def _project_live_context(request, project):
    """What the live parts of a project's page show (its progress): the view's render and the
    parts' own render (core/page_cache.py LiveParts) read the same."""
    # One more than shown: whether the page links to every pledge.
    supporters = donation_selectors.project_supporters(project=project, limit=SUPPORTERS_SHOWN + 1)
    return {
        "project": project,
        "needs": project.needs.all(),
        "supporters": _supporter_lines(request, project, supporters[:SUPPORTERS_SHOWN]),
        "more_supporters": len(supporters) > SUPPORTERS_SHOWN,
        # Collected, spent, balance: from the project's own annotations, no query (publishing/expenses.py).
        "spending": project_spending(project),
    }


PROJECT_LIVE_TEMPLATES = {
    "card": "pages/_project_card_meta.html",
    "supporters-count": "pages/_project_supporters_count.html",
    "progress": "pages/_project_progress.html",
    "supporters": "pages/_project_supporters.html",
}


def project_live_parts(request, slug):
    """The project page's live parts alone, for the shared cache: what a pledge changes."""
    project = visible_project(request, slug, read=publishing_selectors.project_detail)
    context = _project_live_context(request, project)
    return {
        name: render_to_string(template, context, request=request) for name, template in PROJECT_LIVE_TEMPLATES.items()
    }


@shared_page(
    versions=shared.project_versions,
    personal=shared.project_personal,
    live=LiveParts(frame_versions=shared.project_frame_versions, render=project_live_parts),
)
def project(request, slug):
    project = visible_project(request, slug, read=publishing_selectors.project_detail)
    context = {
        **_project_live_context(request, project),
        "leads": project.leads.all(),
        "viewer_is_lead": permissions.is_lead(request.user, project),
        "giving": shown_giving(project=project, viewer=request.user),
        "page_url": request.build_absolute_uri(project.get_absolute_url()),
        "cover_url": request.build_absolute_uri(project.cover_image.url) if project.cover_image else "",
        "milestones": timeline.project_milestones(project=project),
        "timeline": timeline.project_timeline_page(
            project=project, viewer=request.user, number=request.GET.get(timeline.PAGE_PARAMETER)
        ),
    }
    return render(request, "pages/project.html", context)


@shared_page(versions=shared.project_versions, personal=shared.project_personal)
def supporters(request, slug):
    """Every standing pledge of a project, latest first, a page at a time: the project's page
    shows the latest SUPPORTERS_SHOWN."""
    project = visible_project(request, slug)
    page = Paginator(donation_selectors.project_supporters_queryset(project=project), SUPPORTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"project": project, "page": page, "supporters": _supporter_lines(request, project, page.object_list)}
    return render(request, "pages/supporters.html", context)


@shared_page(versions=shared.community_versions, personal=shared.community_personal)
def community(request, slug):
    try:
        community = project_selectors.community_detail(slug=slug, viewer=request.user)
    except Community.DoesNotExist:
        raise Http404 from None
    projects = donation_selectors.community_projects(community=community)
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    # For its moderators: a link to the queue, with how many things wait there.
    moderates = request.user.is_superuser or community.viewer_role == Membership.Role.MODERATOR
    waiting = moderation_selectors.waiting_count(community=community) if moderates else None
    return render(
        request, "pages/community.html", {"community": community, "page": page, "moderation_waiting": waiting}
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
    # What is still to send, for each pledge of the page: the projects' details in 3 queries.
    givings = projects_giving(project_ids={pledge.need.project_id for pledge in page})
    for pledge in page:
        pledge.instructions = instructions_for(pledge, givings[pledge.need.project_id])
    return render(
        request,
        "pages/my_pledges.html",
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


@login_required
def dashboard(request, slug):
    project = project_for(request, slug, may=permissions.can_view_dashboard)
    needs = list(donation_selectors.project_needs_for_leads(project=project))
    filter_form = PledgeFilterForm(request.GET, needs=needs)
    pledges = donation_selectors.project_pledges_for_leads(
        project=project, viewer=request.user, **filter_form.filters()
    )
    # Each pledge's valid receipt, for leads and moderators to download: one query per page.
    pledges = pledges.prefetch_related(valid_receipts_prefetch())
    page = Paginator(pledges, PLEDGES_PER_PAGE).get_page(request.GET.get("page"))
    giving = project_giving(project=project)
    today = timezone.localdate()
    for pledge in page:
        pledge.need.project = project
        pledge.shown_donor = pledge.donor_shown_to(request.user)
        pledge.overdue = is_overdue(pledge, giving, today=today)
    # A draft sent back from review: the moderator's note, for the leads to act on.
    sent_back = moderation_selectors.sent_back_note(project=project)
    return render(
        request,
        "pages/dashboard.html",
        {
            "project": project,
            "can_manage": permissions.can_manage_project(request.user, project),
            "can_move": bool(permissions.allowed_moves_for(request.user, project)),
            "sent_back": sent_back,
            "giving": giving,
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


# What each move does to the pledges, said before the lead confirms it.
MOVE_CONSEQUENCES = {
    Project.Status.DRAFT: gettext_lazy(
        "The project goes back to its leads, to be changed before it is reviewed again."
    ),
    Project.Status.IN_REVIEW: gettext_lazy(
        "The community's moderators review the project before it opens. Nobody can pledge meanwhile."
    ),
    Project.Status.OPEN: gettext_lazy("The project becomes public and takes pledges."),
    Project.Status.CLOSED: gettext_lazy(
        "Nobody can pledge any more. The pledges already made stay: you still record what arrives for them."
    ),
    Project.Status.COMPLETED: gettext_lazy(
        "The project is marked as done. Nobody can pledge any more; what arrived stays recorded and shown."
    ),
    Project.Status.CANCELLED: gettext_lazy(
        "Every pledge of which nothing has arrived yet is cancelled, and its donor sees your reason. What "
        "already arrived stays recorded. This cannot be undone."
    ),
}


@login_required
def project_status(request, slug):
    """The project's lifecycle moves open to this lead or moderator, each with what it does to
    the pledges, on a page of their own: one tap on the dashboard must not close a project."""
    project = project_for(request, slug, may=permissions.can_view_dashboard)
    counts = donation_selectors.project_pledge_counts(project=project)
    moves = [
        (status, MOVE_LABELS[status], MOVE_CONSEQUENCES[status])
        for status in permissions.allowed_moves_for(request.user, project)
    ]
    return render(
        request,
        "pages/project_status.html",
        {"project": project, "moves": moves, "counts": counts, "cancelled_status": Project.Status.CANCELLED},
    )


def profile(request, handle):
    try:
        member = member_selectors.member_by_handle(handle=handle)
    except Member.DoesNotExist:
        raise Http404(_("No member has this handle.")) from None
    if not can_view_profile(request.user, member):
        raise Http404(_("No member has this handle."))
    if member.handle != handle:
        return redirect(member.get_absolute_url(), permanent=True)
    context = {
        "member": member,
        "pledges": donation_selectors.member_public_pledges(member=member),
        "projects": donation_selectors.member_led_projects(member=member, viewer=request.user),
        "is_self": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "pages/profile.html", context)
