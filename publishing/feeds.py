"""Atom feeds: one per project, one per community (its public projects).

A feed is read by anyone, signed in or not, so it shows what an anonymous visitor may see:
public projects (ProjectQuerySet.public: not hidden by moderation), and of their timeline the
updates published for everyone, the milestones, the progress thresholds and the expenses.
Updates for supporters only, drafts and updates hidden by moderation never appear. Two queries
per feed, whatever the number of entries; none when served from the shared cache (core/page_cache.py),
under the version of the project's content, or of the community (which each of its projects changes).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from core import cache_versions
from core.formatting import money, quantity
from core.page_cache import shared_page
from projects import permissions
from projects.models import Community, Project
from publishing.models import Milestone, TimelineEntry

ENTRIES_PER_FEED = 30
# Feed readers poll every quarter of an hour or so: a proxy may keep a feed a few minutes.
FEED_MAX_AGE = 300


def site_host():
    """The site's host name, from settings at each call (read at import, a test or a deployment
    that sets SITE_URL later would get another's)."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


FEED_KINDS = (
    TimelineEntry.Kind.UPDATE,
    TimelineEntry.Kind.MILESTONE,
    TimelineEntry.Kind.THRESHOLD,
    TimelineEntry.Kind.EXPENSE,
)


def public_entries(queryset):
    """Timeline entries anyone may read, newest first, with what each one shows (one query)."""
    return (
        queryset.filter(kind__in=FEED_KINDS, supporters_only=False)
        # An update's entry is written when it is published; a draft is excluded all the same,
        # and so is an update whose audience became "supporters" after its entry was written.
        # An update hidden by moderation is gone from the feed until a moderator restores it.
        .filter(
            Q(update__isnull=True)
            | Q(update__published_at__isnull=False, update__audience="public", update__hidden_at__isnull=True)
        )
        .select_related(
            "project",
            "update",
            "update__author",
            "milestone",
            "threshold",
            "threshold__need",
            "threshold__need__project",
            "expense",
        )
        .order_by("-at", "-id")[:ENTRIES_PER_FEED]
    )


def entry_title(entry):
    if entry.kind == TimelineEntry.Kind.UPDATE:
        return entry.update.title
    if entry.kind == TimelineEntry.Kind.MILESTONE:
        milestone = entry.milestone
        if milestone.status == Milestone.Status.DONE:
            return _("Milestone reached: %(title)s") % {"title": milestone.title}
        return _("Milestone: %(title)s (%(status)s)") % {
            "title": milestone.title,
            "status": milestone.get_status_display(),
        }
    if entry.kind == TimelineEntry.Kind.THRESHOLD:
        threshold = entry.threshold
        return _("%(percent)s %% of “%(need)s” received") % {"percent": threshold.percent, "need": threshold.need.label}
    expense = entry.expense
    if expense.is_reversal:
        return _("Correction of an expense: %(what)s, %(amount)s") % {
            "what": expense.description,
            "amount": money(expense.amount, expense.currency),
        }
    return _("Expense: %(what)s, %(amount)s") % {
        "what": expense.description,
        "amount": money(expense.amount, expense.currency),
    }


def entry_description(entry):
    """The entry's text as HTML (Atom content is escaped by the generator, readers render it)."""
    if entry.kind == TimelineEntry.Kind.UPDATE:
        return entry.update.body_html
    if entry.kind == TimelineEntry.Kind.MILESTONE:
        milestone = entry.milestone
        parts = []
        if milestone.description:
            parts.append(f"<p>{escape(milestone.description)}</p>")
        if milestone.done_on:
            when = _("Done on %(date)s") % {"date": date_format(milestone.done_on)}
            parts.append(f"<p>{escape(when)}</p>")
        elif milestone.target_date:
            when = _("Planned for %(date)s") % {"date": date_format(milestone.target_date)}
            parts.append(f"<p>{escape(when)}</p>")
        if milestone.evidence_note:
            parts.append(f"<p>{escape(milestone.evidence_note)}</p>")
        return "".join(parts)
    if entry.kind == TimelineEntry.Kind.THRESHOLD:
        need = entry.threshold.need
        return escape(
            _("Goal: %(target)s.") % {"target": quantity(need.target_quantity, need)},
        )
    expense = entry.expense
    text = _("Spent on %(date)s") % {"date": date_format(expense.spent_on)}
    if expense.supplier:
        text += " · " + _("Supplier: %(supplier)s") % {"supplier": expense.supplier}
    return f"<p>{escape(text)}</p>"


class TimelineFeed(Feed):
    feed_type = Atom1Feed
    # RFC 4287: a feed names an author unless every entry does (milestones and thresholds don't).
    author_name = "Tiwizi"

    def item_title(self, entry):
        return entry_title(entry)

    def item_description(self, entry):
        return entry_description(entry)

    def item_link(self, entry):
        if entry.kind == TimelineEntry.Kind.UPDATE:
            # The update's own page (its slug from the entry's project: no query per entry).
            return reverse("publishing:update", kwargs={"slug": entry.project.slug, "update_id": entry.update_id})
        # Other entries have their own anchor on the project page, so readers keep them apart.
        return f"{entry.project.get_absolute_url()}#entry-{entry.pk}"

    def item_guid(self, entry):
        # A tag URI (RFC 4151) of the entry's row: stable across edits of its text and title, and
        # the same whatever host name the feed was fetched under (the site's, from settings).
        return f"tag:{site_host()},{entry.project.created_at:%Y-%m-%d}:timeline-entry-{entry.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at

    def item_author_name(self, entry):
        if entry.kind == TimelineEntry.Kind.UPDATE and not entry.update.author.is_erased:
            return f"@{entry.update.author.handle}"
        return None

    def item_categories(self, entry):
        return [entry.get_kind_display()]


class ProjectFeed(TimelineFeed):
    """/p/<slug>/feed.atom: the project's public timeline."""

    def get_object(self, request, slug):
        project = Project.objects.select_related("community").filter(slug=slug).first()
        # An anonymous visitor's view: a feed URL is shared and fetched without a session.
        if project is None or not permissions.can_view_project(AnonymousUser(), project):
            raise Http404
        return project

    def title(self, project):
        return f"{project.title} · Tiwizi"

    def subtitle(self, project):
        return project.summary or project.place

    def link(self, project):
        return project.get_absolute_url()

    def feed_url(self, project):
        return reverse("publishing:feed", kwargs={"slug": project.slug})

    def items(self, project):
        return public_entries(TimelineEntry.objects.filter(project=project))


class CommunityFeed(TimelineFeed):
    """/c/<slug>/feed.atom: the public timelines of the community's public projects, merged."""

    def get_object(self, request, slug):
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise Http404
        return community

    def title(self, community):
        return f"{community.name} · Tiwizi"

    def subtitle(self, community):
        return community.description[:200] or community.name

    def link(self, community):
        return community.get_absolute_url()

    def feed_url(self, community):
        return reverse("publishing:community_feed", kwargs={"slug": community.slug})

    def items(self, community):
        return public_entries(
            TimelineEntry.objects.filter(project__in=Project.objects.public().filter(community=community))
        )

    def item_title(self, entry):
        return f"{entry.project.title} — {entry_title(entry)}"


def _project_feed_versions(request, slug):
    # A project's feed shows its timeline, not its progress: a pledge leaves it cached.
    return [cache_versions.project_content_key(slug), cache_versions.COMMUNITIES]


def _community_feed_versions(request, slug):
    return [cache_versions.community_key(slug), cache_versions.COMMUNITIES]


# The views: a feed is the same for everyone (an anonymous visitor's view, whoever asks).
project_feed = shared_page(versions=_project_feed_versions, max_age=FEED_MAX_AGE)(ProjectFeed())
community_feed = shared_page(versions=_community_feed_versions, max_age=FEED_MAX_AGE)(CommunityFeed())
