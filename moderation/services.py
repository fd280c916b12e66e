"""Every moderation write: a member's flag, and the moderators' decisions in their queue.

Each function is one transaction, takes keyword arguments only, checks who acts, and raises a
domain error (core/errors.py) with a message for the member. A moderator's action names the
community whose queue it comes from, and is refused, with nothing changed, when its target
belongs to another community: a moderator of one community can do nothing to another.
Every decision leaves a ModerationAction row; hiding at the threshold leaves one too, with no
actor.
"""

from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Member
from core import cache_versions
from core.errors import DomainError, NotAllowed
from donations.models import Pledge
from moderation import permissions
from moderation.content import KINDS, describe_pledge, takes_part_in
from moderation.models import ACTION_NOTE_MAX_LENGTH, NOTE_MAX_LENGTH, Flag, ModerationAction
from projects.models import Membership, Project
from projects.services import project_transition
from publishing.permissions import can_read_supporters_only

SUSPENSION_REASON_MAX_LENGTH = Membership._meta.get_field("suspension_reason").max_length


def _clean_text(value, *, max_length, field, required_message=None):
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError(_("This text contains a character that is not allowed."), field=field)
    if len(value) > max_length:
        raise DomainError(
            ngettext("At most %(count)d character, please.", "At most %(count)d characters, please.", max_length)
            % {"count": max_length},
            field=field,
        )
    if required_message and not value:
        raise DomainError(required_message, field=field)
    return value


def _content_kind(kind):
    try:
        return KINDS[kind]
    except KeyError:
        raise DomainError(_("This cannot be reported.")) from None


def _lock_content(content_kind, target_id):
    try:
        return content_kind.lock(target_id)
    except content_kind.model.DoesNotExist:
        raise DomainError(_("This content no longer exists.")) from None


def _record(*, community_id, actor, action, target, note=""):
    return ModerationAction.objects.create(
        community_id=community_id, actor=actor, action=action, target=target, note=note[:ACTION_NOTE_MAX_LENGTH]
    )


def _reasons_in_words(reasons):
    """The reporters' reasons, most frequent first, in their own terms: "spam, abuse or harassment"."""
    ranked = [reason for reason, _count in Counter(reasons).most_common()]
    return ", ".join(str(Flag.Reason(reason).label).lower() for reason in ranked)


def _open_flags(content_kind, content):
    return Flag.objects.filter(state=Flag.State.OPEN, **{Flag.TARGET_FIELDS[content_kind.kind]: content})


def can_see_to_flag(member, content_kind, content):
    """What a member may report: what the public pages show them (a supporters-only update, to
    those who may read it)."""
    if not content_kind.is_publicly_shown(content):
        return False
    if content_kind.kind == Flag.Kind.UPDATE and content.supporters_only:
        return can_read_supporters_only(member, content.project)
    return True


@transaction.atomic
def flag_create(*, reporter, kind, target_id, reason, note=""):
    """A member reports a project, an update, a pledge's message or a profile, once, with a reason.

    The content's row is locked first, so concurrent reports are counted one after another: the
    report that brings the open reports to settings.FLAG_HIDE_THRESHOLD distinct reporters hides
    the content, in the same transaction, exactly once. A second open report by the same member is
    refused by the database (a unique constraint), not by a check that a concurrent request could
    pass too. Nobody reports their own content; a member suspended in the content's community
    reports nothing there.
    """
    if not reporter.is_authenticated:
        raise NotAllowed(_("Log in to report content."))
    content_kind = _content_kind(kind)
    if reason not in Flag.Reason.values:
        raise DomainError(_("Choose why you report it."), field="reason")
    note = _clean_text(note, max_length=NOTE_MAX_LENGTH, field="note")
    content = _lock_content(content_kind, target_id)
    if not can_see_to_flag(reporter, content_kind, content):
        raise DomainError(_("This cannot be reported."))
    own = permissions.own_content_reason(reporter, content_kind.kind, content)
    if own:
        raise NotAllowed(own)
    community_id = content_kind.community_id(content)
    if permissions.is_suspended_for_flagging(reporter, community_id):
        raise NotAllowed(_("You are suspended in this community: you may not report content there."))
    if content_kind.is_hidden(content):
        raise DomainError(_("This is already hidden until a moderator decides."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                reporter=reporter,
                kind=content_kind.kind,
                community_id=community_id,
                reason=reason,
                note=note,
                **{Flag.TARGET_FIELDS[content_kind.kind]: content},
            )
    except IntegrityError:
        raise DomainError(_("You have already reported this: the moderators will look at it.")) from None
    reasons = list(_open_flags(content_kind, content).values_list("reason", flat=True))
    if len(reasons) >= settings.FLAG_HIDE_THRESHOLD:
        # In the site's language: the reason is stored, and shown to the author as written.
        with translation.override(settings.LANGUAGE_CODE):
            why = ngettext(
                "Hidden after %(count)d report: %(reasons)s",
                "Hidden after %(count)d reports: %(reasons)s",
                len(reasons),
            ) % {"count": len(reasons), "reasons": _reasons_in_words(reasons)}
        content_kind.set_hidden(content, why)
        _record(
            community_id=community_id,
            actor=None,
            action=ModerationAction.Action.HIDDEN,
            target=content_kind.describe(content),
            note=why,
        )
    return flag


def _check_moderator(actor, community):
    if not permissions.can_moderate(actor, community):
        raise NotAllowed(_("Only this community's moderators may do this."))


def _check_in_community(content_kind, content, community, actor):
    """The content belongs to the queue's community; a profile, to a member taking part in it
    (or, in the site's queue, to anyone: superusers only, checked before)."""
    if content_kind.kind != Flag.Kind.PROFILE:
        if community is None or content_kind.community_id(content) != community.pk:
            raise NotAllowed(_("This is not in your community."))
        return
    if community is not None and not Member.objects.filter(takes_part_in(community), pk=content.pk).exists():
        raise NotAllowed(_("This member takes no part in your community."))
    if not actor.is_superuser and permissions.is_protected_from_moderators(content):
        raise NotAllowed(_("A moderator's profile is for the site's operators to decide."))


def _decide(*, actor, community, kind, target_id, note, remove):
    _check_moderator(actor, community)
    content_kind = _content_kind(kind)
    note = _clean_text(note, max_length=ACTION_NOTE_MAX_LENGTH, field="note")
    content = _lock_content(content_kind, target_id)
    _check_in_community(content_kind, content, community, actor)
    if permissions.own_content_reason(actor, content_kind.kind, content):
        raise NotAllowed(_("This is your own content: another moderator decides."))
    flags = list(_open_flags(content_kind, content).select_for_update())
    if not flags and not content_kind.is_hidden(content):
        raise DomainError(_("Nothing here waits for a decision."))
    reasons = _reasons_in_words(flag.reason for flag in flags)
    if remove:
        with translation.override(settings.LANGUAGE_CODE):
            why = (
                _("Removed by a moderator after reports: %(reasons)s") % {"reasons": reasons}
                if reasons
                else _("Removed by a moderator")
            )
        if content_kind.kind == Flag.Kind.PLEDGE:
            # The message is erased for good: what was reported (abuse, someone's address) is not
            # kept anywhere, the audit included. The pledge itself stands and counts.
            content.message = ""
            content.save(update_fields=["message"])
        content_kind.set_hidden(content, why)
    else:
        if content_kind.kind == Flag.Kind.PLEDGE and not content.message:
            raise DomainError(_("This message was erased: there is nothing to restore."))
        content_kind.set_hidden(content, None)
    Flag.objects.filter(pk__in=[flag.pk for flag in flags]).update(
        state=Flag.State.UPHELD if remove else Flag.State.DISMISSED, decided_at=timezone.now(), decided_by=actor
    )
    _record(
        community_id=community.pk if community else None,
        actor=actor,
        action=ModerationAction.Action.REMOVED if remove else ModerationAction.Action.RESTORED,
        target=content_kind.describe(content),
        note=note,
    )
    return content


@transaction.atomic
def flagged_content_restore(*, actor, community, kind, target_id, note=""):
    """A moderator shows flagged content again: its open flags are dismissed."""
    return _decide(actor=actor, community=community, kind=kind, target_id=target_id, note=note, remove=False)


@transaction.atomic
def flagged_content_remove(*, actor, community, kind, target_id, note=""):
    """A moderator upholds the flags: the content stays hidden (a pledge's message is erased)."""
    return _decide(actor=actor, community=community, kind=kind, target_id=target_id, note=note, remove=True)


def _lock_project_in_review(actor, community, project):
    _check_moderator(actor, community)
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if project.community_id != community.pk:
        raise NotAllowed(_("This project is not in your community."))
    if project.status != Project.Status.IN_REVIEW:
        raise DomainError(_("This project is not in review any more."))
    return project


@transaction.atomic
def project_approve(*, actor, community, project, note=""):
    """A moderator opens a project in review to pledges (projects.services.project_transition,
    which records the move)."""
    note = _clean_text(note, max_length=ACTION_NOTE_MAX_LENGTH, field="note")
    project = _lock_project_in_review(actor, community, project)
    project = project_transition(project=project, actor=actor, to_status=Project.Status.OPEN, note=note)
    _record(
        community_id=community.pk,
        actor=actor,
        action=ModerationAction.Action.APPROVED,
        target=KINDS[Flag.Kind.PROJECT].describe(project),
        note=note,
    )
    return project


@transaction.atomic
def project_send_back(*, actor, community, project, note):
    """A moderator sends a project in review back to draft, saying why: the leads read the note
    on their dashboard (the transition's note)."""
    note = _clean_text(
        note,
        max_length=ACTION_NOTE_MAX_LENGTH,
        field="note",
        required_message=_("Say what the leads should change: they will read it."),
    )
    project = _lock_project_in_review(actor, community, project)
    project = project_transition(project=project, actor=actor, to_status=Project.Status.DRAFT, note=note)
    _record(
        community_id=community.pk,
        actor=actor,
        action=ModerationAction.Action.SENT_BACK,
        target=KINDS[Flag.Kind.PROJECT].describe(project),
        note=note,
    )
    return project


class PledgeCorrection:
    """What a moderator may change on a pledge, at its donor's request: only ever less exposure.
    Never anonymous → public, never the amount or the status."""

    MAKE_ANONYMOUS = "make_anonymous"
    HIDE_MESSAGE = "hide_message"
    ERASE_MESSAGE = "erase_message"

    @classmethod
    def choices(cls):
        return [
            (cls.MAKE_ANONYMOUS, _("Make it anonymous")),
            (cls.HIDE_MESSAGE, _("Hide its message")),
            (cls.ERASE_MESSAGE, _("Erase its message for good")),
        ]


@transaction.atomic
def pledge_correct(*, actor, community, pledge_id, correction, note=""):
    """A moderator corrects a pledge of their community at its donor's request: makes it
    anonymous, hides its message, or erases it. The audit names the pledge by its number, never
    its donor."""
    _check_moderator(actor, community)
    note = _clean_text(note, max_length=ACTION_NOTE_MAX_LENGTH, field="note")
    content_kind = KINDS[Flag.Kind.PLEDGE]
    pledge = _lock_content(content_kind, pledge_id)
    if pledge.need.project.community_id != community.pk:
        raise NotAllowed(_("This pledge is not in your community."))
    with translation.override(settings.LANGUAGE_CODE):
        if correction == PledgeCorrection.MAKE_ANONYMOUS:
            if pledge.is_anonymous:
                raise DomainError(_("This pledge is already anonymous."), field="correction")
            pledge.visibility = Pledge.Visibility.ANONYMOUS
            pledge.save(update_fields=["visibility"])
            content_kind.changed(pledge)
            done = _("Made anonymous at the donor's request.")
        elif correction == PledgeCorrection.HIDE_MESSAGE:
            if not pledge.message or content_kind.is_hidden(pledge):
                raise DomainError(_("This pledge has no message shown."), field="correction")
            content_kind.set_hidden(pledge, _("Hidden by a moderator at the donor's request"))
            done = _("Message hidden at the donor's request.")
        elif correction == PledgeCorrection.ERASE_MESSAGE:
            if not pledge.message:
                raise DomainError(_("This pledge has no message."), field="correction")
            pledge.message = ""
            pledge.save(update_fields=["message"])
            content_kind.set_hidden(pledge, None)
            # Reports of the erased message are settled: there is nothing left to decide on.
            _open_flags(content_kind, pledge).update(
                state=Flag.State.UPHELD, decided_at=timezone.now(), decided_by=actor
            )
            done = _("Message erased at the donor's request.")
        else:
            raise DomainError(_("Choose a correction."), field="correction")
    _record(
        community_id=community.pk,
        actor=actor,
        action=ModerationAction.Action.PLEDGE_CORRECTED,
        target=describe_pledge(pledge),
        note=f"{done} {note}".strip(),
    )
    return pledge


def _check_suspendable(actor, community, member):
    _check_moderator(actor, community)
    if member.pk == actor.pk:
        raise NotAllowed(_("You cannot suspend yourself."))
    if permissions.is_protected_from_moderators(member):
        raise NotAllowed(_("A moderator or an operator of the site cannot be suspended."))


@transaction.atomic
def member_suspend(*, actor, community, member, reason):
    """A moderator suspends a member from their community, with a reason: no proposing, pledging,
    posting or flagging there until lifted (the permissions modules ask). A member not yet in the
    community is added to it, suspended, so that joining does not lift it. Suspending a suspended
    member changes nothing. Nobody suspends themselves, a moderator or a superuser."""
    reason = _clean_text(
        reason,
        max_length=SUSPENSION_REASON_MAX_LENGTH,
        field="reason",
        required_message=_("Say why the member is suspended."),
    )
    _check_suspendable(actor, community, member)
    _membership, created = Membership.objects.get_or_create(community=community, member=member)
    if created:
        cache_versions.community_members_changed(community)  # its page counts its members
    membership = Membership.objects.select_for_update().get(community=community, member=member)
    if membership.is_suspended:
        return membership
    membership.suspended_at = timezone.now()
    membership.suspension_reason = reason
    membership.save(update_fields=["suspended_at", "suspension_reason"])
    _record(
        community_id=community.pk,
        actor=actor,
        action=ModerationAction.Action.SUSPENDED,
        target=f"@{member.handle}",
        note=reason,
    )
    return membership


@transaction.atomic
def member_lift_suspension(*, actor, community, member, note=""):
    """A moderator lifts a member's suspension from their community."""
    _check_moderator(actor, community)
    note = _clean_text(note, max_length=ACTION_NOTE_MAX_LENGTH, field="note")
    membership = Membership.objects.select_for_update().filter(community=community, member=member).first()
    if membership is None or not membership.is_suspended:
        raise DomainError(_("This member is not suspended here."))
    membership.suspended_at = None
    membership.suspension_reason = ""
    membership.save(update_fields=["suspended_at", "suspension_reason"])
    _record(
        community_id=community.pk,
        actor=actor,
        action=ModerationAction.Action.LIFTED,
        target=f"@{member.handle}",
        note=note,
    )
    return membership
