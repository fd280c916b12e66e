"""Reads of the moderation queue: what waits in a community (projects in review, flagged
content with its flags), its suspended members, its audit, and a pledge found by its number.

A profile's flags reach every community where the member takes part (a membership, or a pledge
to one of its projects), and the site's queue (community None, superusers) when there is none.
Nothing here loads a pledge's donor: the queue never shows who gave.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from donations.models import Pledge
from moderation.content import KINDS, takes_part_in, takes_part_nowhere
from moderation.models import Flag, ModerationAction
from projects.models import Membership, Project

FLAGGED_ITEMS_SHOWN = 50
OPEN_FLAGS_READ = 1000


def _open_flags_of(community):
    flags = Flag.objects.filter(state=Flag.State.OPEN)
    if community is None:
        return flags.filter(Q(kind=Flag.Kind.PROFILE) & takes_part_nowhere("profile"))
    return flags.filter(Q(community=community) | (Q(kind=Flag.Kind.PROFILE) & takes_part_in(community, "profile")))


@dataclass
class FlaggedItem:
    """One piece of flagged content with its open flags, as the queue shows it."""

    kind: str
    content: object
    flags: list = field(default_factory=list)

    @property
    def target_id(self):
        return self.content.pk

    @property
    def content_kind(self):
        return KINDS[self.kind]

    @property
    def is_hidden(self):
        return self.content_kind.is_hidden(self.content)

    @property
    def hidden_reason(self):
        return self.content_kind.hidden_reason(self.content)

    @property
    def kind_label(self):
        return Flag.Kind(self.kind).label

    @property
    def reasons(self):
        """(reason label, count), most frequent first."""
        counted = Counter(flag.reason for flag in self.flags)
        return [(Flag.Reason(reason).label, count) for reason, count in counted.most_common()]


def flagged_items(*, community, limit=FLAGGED_ITEMS_SHOWN):
    """The content of the community with open flags, hidden content first, then the most
    reported; each with its flags (reporter, reason, note). Two queries, whatever the number."""
    flags = (
        _open_flags_of(community)
        .select_related("reporter", "project", "update__project", "pledge__need__project", "profile")
        .order_by("created_at", "id")[:OPEN_FLAGS_READ]
    )
    items = {}
    for flag in flags:
        key = (flag.kind, flag.target_id)
        if key not in items:
            items[key] = FlaggedItem(kind=flag.kind, content=flag.target)
        items[key].flags.append(flag)
    ranked = sorted(items.values(), key=lambda item: (not item.is_hidden, -len(item.flags), item.flags[0].created_at))
    return ranked[:limit], len(ranked)


def projects_in_review(*, community):
    """The community's projects waiting for review, the longest waiting first, with their leads."""
    return list(
        Project.objects.filter(community=community, status=Project.Status.IN_REVIEW)
        .prefetch_related("leads")
        .order_by("created_at", "id")
    )


def waiting_count(*, community):
    """How many things wait for the community's moderators: projects in review and pieces of
    flagged content (two queries)."""
    in_review = Project.objects.filter(community=community, status=Project.Status.IN_REVIEW).count()
    flagged = (
        _open_flags_of(community)
        .order_by()
        .values("kind", "project_id", "update_id", "pledge_id", "profile_id")
        .distinct()
        .count()
    )
    return in_review + flagged


def suspended_memberships(*, community):
    return list(
        Membership.objects.filter(community=community, suspended_at__isnull=False)
        .select_related("member")
        .only("suspended_at", "suspension_reason", "member__handle")
        .order_by("-suspended_at", "-id")
    )


def audit(*, community):
    """Every moderation action in the community, newest first (paginate it)."""
    return (
        ModerationAction.objects.filter(community=community)
        .select_related("actor")
        .only("action", "target", "note", "at", "actor__handle")
    )


def pledge_by_number(*, community, number):
    """The community's pledge with this number, or None (a pledge of another community is not
    found either), without its donor: the page shows the donor's handle only for a public pledge."""
    return (
        Pledge.objects.filter(pk=number, need__project__community=community)
        .select_related("need", "need__project")
        .first()
    )


def sent_back_note(*, project):
    """When a draft was sent back from review with a note, that move (its note and date) for the
    leads' dashboard; else None."""
    if project.status != Project.Status.DRAFT:
        return None
    last = project.transitions.order_by("-at", "-id").first()
    if last is None or last.from_status != Project.Status.IN_REVIEW or not last.note:
        return None
    return last
