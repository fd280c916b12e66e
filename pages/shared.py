"""What the shared cache needs to know of the public pages (core/page_cache.py): the versions of
what each one shows, and whether a signed-in member sees it as the public does.

Every page carries COMMUNITIES too: community names show on every page, the list's filter
offers every community, and `cache_versions.everything_changed` reaches every page through it.
"""

from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from core import cache_versions
from donations.models import Pledge
from pages.forms import ProjectFilterForm
from projects.models import Membership, Project

MEMBERSHIP_PART = "membership"


def home_versions(request):
    """A list filtered on a community or on a value of a field shows only projects that have it:
    that value's key, which each of them changes (any one filter is enough, the community's
    first, then the fields in cache_versions.LIST_FIELDS order). Unfiltered or searched by text,
    any project may appear: PROJECT_LIST. An ignored filter value is not a filter."""
    filters, _sort = ProjectFilterForm(request.GET).filters_and_sort()
    if "community" in filters:
        key = cache_versions.community_key(filters["community"])
    else:
        fields = [field for field in cache_versions.LIST_FIELDS if field in filters]
        key = cache_versions.list_key(fields[0], filters[fields[0]]) if fields else cache_versions.PROJECT_LIST
    return [key, cache_versions.COMMUNITIES]


def home_personal(request):
    """The list shows a member what they may see: the public projects, plus their own drafts and
    the proposals of the communities they moderate. The same list as the public's when there is
    none of those (one query)."""
    if Project.objects.visible_to(request.user).not_public().exists():
        return None
    return {}


def project_versions(request, slug):
    return [cache_versions.project_key(slug), cache_versions.COMMUNITIES]


def project_frame_versions(request, slug):
    """Everything the project's page shows but its live parts (its progress): a pledge leaves it."""
    return [cache_versions.project_content_key(slug), cache_versions.COMMUNITIES]


def project_personal(request, slug):
    """The project's leads (their links, anonymous donors, hidden updates), the community's
    moderators and superusers (hidden updates, supporters-only ones), and its donors (their own
    anonymous pledges, supporters-only updates, no "report" on their own message) see more than
    the public: they get their own render. Anyone else sees the public page (one query)."""
    viewer = request.user
    if viewer.is_superuser:
        return None
    sees_more = (
        Project.objects.filter(slug=slug)
        .filter(
            Exists(Project.leads.through.objects.filter(project=OuterRef("pk"), member_id=viewer.pk))
            | Exists(
                Membership.objects.filter(
                    community=OuterRef("community"), member_id=viewer.pk, role=Membership.Role.MODERATOR
                )
            )
            | Exists(Pledge.objects.filter(need__project=OuterRef("pk"), donor_id=viewer.pk))
        )
        .exists()
    )
    return None if sees_more else {}


def community_versions(request, slug):
    return [cache_versions.community_key(slug), cache_versions.COMMUNITIES]


def community_personal(request, slug):
    """Moderators (and superusers) get their own render, with the moderation queue's link; other
    members the public page with their own membership line: "You are a member", or the button
    that joins (one query)."""
    viewer = request.user
    if viewer.is_superuser:
        return None
    role = Membership.objects.filter(community__slug=slug, member_id=viewer.pk).values_list("role", flat=True).first()
    if role == Membership.Role.MODERATOR:
        return None
    return {MEMBERSHIP_PART: membership_part(request, slug=slug, viewer_role=role)}


def membership_part(request, *, slug, viewer_role):
    return render_to_string(
        "pages/_community_membership.html", {"community_slug": slug, "viewer_role": viewer_role}, request=request
    )
