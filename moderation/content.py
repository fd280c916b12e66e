"""What each kind of flaggable content is to moderation: where it lives, which fields hide it,
which community it belongs to, how the queue and the audit name it, and which caches it changes.

Four kinds, one small class each, so that the services and the queue never branch on the kind.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import Member
from core import cache_versions
from core.hiding import HIDDEN_REASON_MAX_LENGTH
from donations.models import Pledge
from moderation.models import Flag
from projects.models import Membership, Project
from publishing.models import Update


def _project_listed(project):
    """Past review and not cancelled before it ever opened (such a draft was never public)."""
    if project.status not in Project.PUBLIC_STATUSES:
        return False
    return not (project.status == Project.Status.CANCELLED and project.opened_at is None)


def _project_shown(project):
    return _project_listed(project) and not project.is_hidden


class ContentKind:
    kind = None
    model = None
    hidden_at_field = "hidden_at"
    hidden_reason_field = "hidden_reason"
    related = ()

    def lock(self, pk):
        """The content's row, locked until the transaction ends (only its own row: the rows it
        is read with are not), with what the rules need read along."""
        return self.model.objects.select_for_update(of=("self",)).select_related(*self.related).get(pk=pk)

    def get(self, pk):
        return self.model.objects.select_related(*self.related).get(pk=pk)

    def community_id(self, content):
        raise NotImplementedError

    def is_hidden(self, content):
        return getattr(content, self.hidden_at_field) is not None

    def hidden_reason(self, content):
        return getattr(content, self.hidden_reason_field)

    def set_hidden(self, content, reason):
        """Hidden from every public surface, with why (shown to its author); `reason` None shows it again."""
        if reason is None:
            hidden_at, reason = None, ""
        else:
            # Hidden since it was first hidden: a removal after the threshold keeps the date.
            hidden_at = getattr(content, self.hidden_at_field) or timezone.now()
            reason = Truncator(reason).chars(HIDDEN_REASON_MAX_LENGTH)
        setattr(content, self.hidden_at_field, hidden_at)
        setattr(content, self.hidden_reason_field, reason)
        content.save(update_fields=[self.hidden_at_field, self.hidden_reason_field])
        self.changed(content)

    def changed(self, content):
        """The cached public reads that show it are stale (core/cache_versions.py)."""
        raise NotImplementedError

    def describe(self, content):
        """The content in words, for the audit (at most 200 characters)."""
        raise NotImplementedError

    def is_publicly_shown(self, content):
        """Shown on the public pages, so that any member may report it (its own hidden state
        aside: reporting hidden content is refused with a message of its own)."""
        raise NotImplementedError


class ProjectContent(ContentKind):
    kind = Flag.Kind.PROJECT
    model = Project
    related = ("community",)

    def community_id(self, content):
        return content.community_id

    def changed(self, content):
        cache_versions.project_changed(content)

    def describe(self, content):
        return Truncator(_("Project “%(title)s”") % {"title": content.title}).chars(200)

    def is_publicly_shown(self, content):
        return _project_listed(content)


class UpdateContent(ContentKind):
    kind = Flag.Kind.UPDATE
    model = Update
    related = ("project", "project__community")

    def community_id(self, content):
        return content.project.community_id

    def changed(self, content):
        cache_versions.project_changed(content.project)

    def describe(self, content):
        return Truncator(
            _("Update “%(title)s” of “%(project)s”") % {"title": content.title, "project": content.project.title}
        ).chars(200)

    def is_publicly_shown(self, content):
        return content.published_at is not None and _project_shown(content.project)


class PledgeContent(ContentKind):
    """Only a pledge's message is flagged: the gift itself always counts and always shows."""

    kind = Flag.Kind.PLEDGE
    model = Pledge
    hidden_at_field = "message_hidden_at"
    hidden_reason_field = "message_hidden_reason"
    # Never the donor: moderators must not learn who an anonymous donor is.
    related = ("need", "need__project", "need__project__community")

    def community_id(self, content):
        return content.need.project.community_id

    def changed(self, content):
        cache_versions.project_changed(content.need.project)

    def describe(self, content):
        return describe_pledge(content)

    def is_publicly_shown(self, content):
        return (
            bool(content.message)
            and content.status not in Pledge.WITHDRAWN_STATUSES
            and _project_shown(content.need.project)
        )


def describe_pledge(pledge):
    """A pledge named without its donor: its number, need and project."""
    return Truncator(
        _("Pledge no. %(number)s (%(need)s, “%(project)s”)")
        % {"number": pledge.pk, "need": pledge.need.label, "project": pledge.need.project.title}
    ).chars(200)


class ProfileContent(ContentKind):
    kind = Flag.Kind.PROFILE
    model = Member
    hidden_at_field = "profile_hidden_at"
    hidden_reason_field = "profile_hidden_reason"

    def lock(self, pk):
        return Member.objects.select_for_update().get(pk=pk, is_active=True)

    def get(self, pk):
        return Member.objects.get(pk=pk, is_active=True)

    def community_id(self, content):
        return None

    def changed(self, content):
        # The member's public pledges show as anonymous while the profile is hidden: every
        # project they gave to may show them, and every list entry.
        cache_versions.everything_changed()

    def describe(self, content):
        return _("Profile of @%(handle)s") % {"handle": content.handle}

    def is_publicly_shown(self, content):
        return content.is_active


# Flag.Kind value ("project", …) → its ContentKind.
KINDS = {content.kind: content for content in (ProjectContent(), UpdateContent(), PledgeContent(), ProfileContent())}


def takes_part_in(community, member_ref="pk"):
    """A condition on members (or on rows pointing at one, through `member_ref`): a member of the
    community, or a donor to one of its projects. A profile's flags reach those communities."""
    return Exists(Membership.objects.filter(community=community, member_id=OuterRef(member_ref))) | Exists(
        Pledge.objects.filter(need__project__community=community, donor_id=OuterRef(member_ref))
    )


def takes_part_nowhere(member_ref="pk"):
    """Members in no community and with no pledge: their profile's flags are the superusers'."""
    return ~Exists(Membership.objects.filter(member_id=OuterRef(member_ref))) & ~Exists(
        Pledge.objects.filter(donor_id=OuterRef(member_ref))
    )
