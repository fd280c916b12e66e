"""Writes on communities and projects. Each function is one transaction and owns its rules."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import selectors as member_selectors
from accounts.models import HANDLE_PATTERN, Member, normalize_handle
from core import cache_versions, uploads
from core.errors import DomainError, IllegalTransition, NotAllowed
from projects import hooks, invitation_email, permissions
from projects.limits import (
    DECLINED_WAIT_DAYS,
    INVITATION_VALID_DAYS,
    LEADS_MAX,
    OPEN_INVITATIONS_MAX,
    TRANSITION_NOTE_MAX,
)
from projects.models import Community, LeadChange, LeadInvitation, Membership, Project, ProjectTransition

# Arabic letters in Latin, as Moroccan names are commonly written (short vowels are not written
# in Arabic, so none appear): a project's address stays ASCII, readable and easy to share on
# Twitter, whatever the script of its title. "خزان ماء لدوار تاشديرت" → "khzan-ma-ldwar-tashdyrt".
ARABIC_IN_LATIN = str.maketrans(
    {
        "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j",
        "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s",
        "ض": "d", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l",
        "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "w", "ي": "y", "ى": "a", "ء": "", "ئ": "y",
        "ؤ": "w", "ڤ": "v", "پ": "p", "گ": "g", "ـ": "",
    }
)  # fmt: skip


def slug_base(title):
    """The address a title gives a project, before any "-2" that keeps it unique."""
    return slugify(title.translate(ARABIC_IN_LATIN))[:120] or "projet"


def _unique_slug(title):
    base = slug_base(title)
    slug, counter = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


@transaction.atomic
def project_create_draft(*, creator, community, title, country, category, currency, **details):
    """A member proposes a project: it starts as a draft they lead, visible to them only.

    The slug is derived from the title; a clash with a concurrent creation is caught by the
    unique constraint and retried with the next suffix.
    """
    if not permissions.can_create_project(creator, community):
        if creator.is_authenticated:
            raise NotAllowed(_("You are suspended in this community: you may not propose a project there."))
        raise NotAllowed(_("Log in to propose a project."))
    if uploads.is_new_upload(details.get("cover_image")):
        # Checked and re-encoded without EXIF (GPS) before anything is stored.
        details["cover_image"] = uploads.process_cover(details["cover_image"])
    project = Project(
        community=community,
        title=title,
        slug=_unique_slug(title),
        country=(country or "").upper(),
        category=category,
        currency=currency,
        created_by=creator,
        **details,
    )
    project.full_clean(exclude=["slug"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                project.save()
            break
        except IntegrityError:
            project.slug = _unique_slug(f"{title} {get_random_string(4).lower()}")
    project.leads.add(creator)
    Membership.objects.get_or_create(community=community, member=creator)
    hooks.project_edited(project=project)
    cache_versions.project_changed(project)
    return project


@transaction.atomic
def project_update(*, project, actor, **fields):
    """Leads edit the project's description. The currency is fixed once money is pledged."""
    project = Project.objects.select_for_update(of=("self",)).select_related("community").get(pk=project.pk)
    if not permissions.can_manage_project(actor, project):
        raise NotAllowed(_("Only the project's leads may edit it."))
    if "currency" in fields and fields["currency"] != project.currency:
        # Refused once something was pledged or spent in the old currency (the handlers decide).
        hooks.currency_changing(project=project)
    if uploads.is_new_upload(fields.get("cover_image")):
        fields["cover_image"] = uploads.process_cover(fields["cover_image"])
    # A new country or category moves it between filtered lists: the ones it leaves change too.
    was_on = cache_versions.lists_of(project)
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    hooks.project_edited(project=project)
    cache_versions.project_changed(project, was_on=was_on)
    return project


@transaction.atomic
def project_add_lead(*, project, actor, member):
    """A lead, a moderator of the community or a superuser makes a member a lead at once (the demo
    and the admin's helpers; on the site a lead invites and the member accepts). Under the
    project's lock, recorded, and the member joins the community. Adding a lead twice changes nothing."""
    project = _lock_project(project)
    if not permissions.can_manage_team(actor, project):
        raise NotAllowed(_("Only the project's leads may add a co-lead."))
    if _add_lead(project=project, member=member, actor=actor, kind=LeadChange.Kind.ADDED):
        # An invitation still open for them has no more purpose.
        LeadInvitation.objects.filter(project=project, member=member, status=LeadInvitation.Status.PENDING).update(
            status=LeadInvitation.Status.WITHDRAWN, answered_at=timezone.now(), withdrawn_by=actor
        )


@transaction.atomic
def project_transition(*, project, actor, to_status, note=""):
    """Move a project through its lifecycle, or raise.

    The row is locked so two moves cannot both start from the same status. Every move is
    recorded (who, when, from, to, why). Cancelling needs a reason, shown on the page, and
    cancels the pledges that have not started to arrive (hooks.project_cancelled); what was
    received stays recorded. Apps above may refuse a move (hooks.project_moving).
    """
    # Only the project's row: FOR UPDATE over the join would also lock the community and
    # hold up every member joining it until this move commits.
    project = Project.objects.select_for_update(of=("self",)).select_related("community").get(pk=project.pk)
    to_status = Project.Status(to_status)
    if not project.can_move_to(to_status):
        raise IllegalTransition(
            _("A project cannot go from “%(from)s” to “%(to)s”.")
            % {"from": project.get_status_display(), "to": to_status.label}
        )
    if not permissions.can_move_project(actor, project, to_status):
        raise NotAllowed(_("You may not make this change to the project."))
    note = (note or "").strip()
    if len(note) > TRANSITION_NOTE_MAX:
        # Also the cancellation's reason, shown on the page and copied into each pledge's.
        raise DomainError(_("A note has at most %(count)d characters.") % {"count": TRANSITION_NOTE_MAX}, field="note")
    if to_status == Project.Status.CANCELLED:
        if not note:
            raise DomainError(_("Say why the project is cancelled: donors will read it."), field="note")
        project.cancellation_reason = note
    hooks.project_moving(project=project, to_status=to_status)
    was_on = cache_versions.lists_of(project)  # the list of its old status changes too
    from_status = project.status
    project.status = to_status
    if to_status == Project.Status.OPEN and project.opened_at is None:
        project.opened_at = timezone.now()
    project.save(update_fields=["status", "cancellation_reason", "opened_at"])
    ProjectTransition.objects.create(
        project=project, from_status=from_status, to_status=to_status, actor=actor, note=note
    )
    if to_status == Project.Status.CANCELLED:
        hooks.project_cancelled(project=project, actor=actor, reason=note)
    cache_versions.project_changed(project, was_on=was_on)
    return project


@transaction.atomic
def community_join(*, community, member):
    membership, created = Membership.objects.get_or_create(community=community, member=member)
    if created:
        cache_versions.community_members_changed(community)
    return membership


@transaction.atomic
def community_create(*, name, slug, hashtag="", description="", moderators=()):
    community = Community(name=name, slug=slug, hashtag=hashtag, description=description)
    community.full_clean()
    community.save()
    for moderator in moderators:
        Membership.objects.update_or_create(
            community=community, member=moderator, defaults={"role": Membership.Role.MODERATOR}
        )
    # The home list's community filter offers it.
    cache_versions.community_changed()
    return community


# --- The team: co-leads, their invitations, removing a lead (issue 13) -------------------------
#
# Every change of a project's leads takes the project's row lock first (Project.objects.lock's
# order: project, then its invitations), and counts the leads after it: two leads removing each
# other, or both stepping down, at the same moment are serialised, and the second finds one lead
# left. Nothing changes the leads without that lock (projects/privacy.py takes it too).


def _lock_project(project):
    # Only the project's row: FOR UPDATE over the join would also lock the community.
    return Project.objects.select_for_update(of=("self",)).select_related("community").get(pk=project.pk)


def _lock_invitation(invitation):
    """The project's row, then the invitation's, both locked; the invitation read again."""
    project = _lock_project(Project(pk=invitation.project_id))
    invitation = LeadInvitation.objects.select_for_update().get(pk=invitation.pk)
    invitation.project = project
    return invitation


def _add_lead(*, project, member, actor, kind):
    """Make `member` a lead of the locked project, recorded; they join its community. False when
    they already were one (nothing changes)."""
    if project.leads.filter(pk=member.pk).exists():
        return False
    project.leads.add(member)
    LeadChange.objects.create(project=project, member=member, kind=kind, actor=actor)
    _membership, joined = Membership.objects.get_or_create(community=project.community, member=member)
    if joined:
        cache_versions.community_members_changed(project.community)
    # The project's page, its API detail and the lists name their leads.
    cache_versions.project_changed(project)
    return True


def _expire_lapsed(project, now):
    """Mark the project's pending invitations past their date as expired (so that the member may be
    invited again: one open invitation per member is a constraint on pending rows)."""
    LeadInvitation.objects.filter(project=project, status=LeadInvitation.Status.PENDING, expires_at__lte=now).update(
        status=LeadInvitation.Status.EXPIRED, answered_at=now
    )


def _invited_member(handle):
    """The active member with this handle (typed with or without "@"), or a DomainError on the field."""
    handle = normalize_handle(handle)
    no_one = DomainError(_("No member has the handle @%(handle)s.") % {"handle": handle[:30]}, field="handle")
    # What cannot be a handle names nobody, and is never sent to the database.
    if not HANDLE_PATTERN.match(handle):
        raise no_one
    try:
        return member_selectors.member_by_handle(handle=handle)
    except Member.DoesNotExist:
        raise no_one from None


def _date(moment):
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


@transaction.atomic
def lead_invitation_create(*, project, actor, handle):
    """A lead (or a moderator of the community, or a superuser) invites a member, by handle, to
    become a co-lead. Under the project's lock: at most OPEN_INVITATIONS_MAX open invitations and
    LEADS_MAX leads and invitations together; one open invitation per member (also a constraint);
    nobody invited again within DECLINED_WAIT_DAYS of declining. The invitation lapses after
    INVITATION_VALID_DAYS. The member is emailed after the commit when they have an address."""
    project = _lock_project(project)
    if not permissions.can_manage_team(actor, project):
        raise NotAllowed(_("Only the project's leads may invite a co-lead."))
    member = _invited_member(handle)
    if project.leads.filter(pk=member.pk).exists():
        raise DomainError(
            _("@%(handle)s is already a lead of this project.") % {"handle": member.handle}, field="handle"
        )
    now = timezone.now()
    _expire_lapsed(project, now)
    invitations = LeadInvitation.objects.filter(project=project)
    already = invitations.filter(member=member, status=LeadInvitation.Status.PENDING).first()
    if already is not None:
        raise DomainError(
            _("@%(handle)s is already invited: the invitation is open until %(date)s.")
            % {"handle": member.handle, "date": _date(already.expires_at)},
            field="handle",
        )
    if invitations.filter(
        member=member, status=LeadInvitation.Status.DECLINED, answered_at__gt=now - timedelta(days=DECLINED_WAIT_DAYS)
    ).exists():
        raise DomainError(
            _("@%(handle)s declined an invitation to this project less than %(days)d days ago.")
            % {"handle": member.handle, "days": DECLINED_WAIT_DAYS},
            field="handle",
        )
    open_count = invitations.filter(status=LeadInvitation.Status.PENDING).count()
    if open_count >= OPEN_INVITATIONS_MAX:
        raise DomainError(
            _("A project has at most %(count)d open invitations: withdraw one, or wait for an answer.")
            % {"count": OPEN_INVITATIONS_MAX},
            code="limit_reached",
        )
    if project.leads.count() + open_count >= LEADS_MAX:
        raise DomainError(
            _("A project has at most %(count)d leads, counting the open invitations.") % {"count": LEADS_MAX},
            code="limit_reached",
        )
    invitation = LeadInvitation.objects.create(
        project=project,
        member=member,
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
    )
    invitation_id = invitation.pk
    transaction.on_commit(lambda: invitation_email.email_invitation(invitation_id=invitation_id))
    return invitation


def _closed_message(invitation):
    status = invitation.shown_status
    if status == LeadInvitation.Status.ACCEPTED:
        return _("This invitation was already accepted.")
    if status == LeadInvitation.Status.DECLINED:
        return _("This invitation was already declined.")
    if status == LeadInvitation.Status.WITHDRAWN:
        return _("This invitation was withdrawn by the project's leads.")
    return _("This invitation lapsed on %(date)s: ask the project's leads for a new one.") % {
        "date": _date(invitation.expires_at)
    }


def _answer(invitation, status, *, actor):
    invitation.status = status
    invitation.answered_at = timezone.now()
    if status == LeadInvitation.Status.WITHDRAWN:
        invitation.withdrawn_by = actor
    invitation.save(update_fields=["status", "answered_at", "withdrawn_by"])
    return invitation


@transaction.atomic
def lead_invitation_accept(*, invitation, actor):
    """The invited member accepts: they become a lead (recorded) and join the community, and the
    project's pages show the new team once committed. Only the invited member may; an invitation
    is accepted once (accepting it again changes nothing), and never once declined, withdrawn or
    lapsed. A member suspended in the community may not lead there."""
    invitation = _lock_invitation(invitation)
    if not permissions.can_answer_invitation(actor, invitation):
        raise NotAllowed(_("This invitation is for another member."))
    if invitation.status == LeadInvitation.Status.ACCEPTED:
        return invitation
    if not invitation.is_open:
        raise IllegalTransition(_closed_message(invitation))
    project = invitation.project
    if permissions.is_suspended(actor, project.community_id):
        raise NotAllowed(_("You are suspended in this community: you may not lead a project there."))
    if project.leads.count() >= LEADS_MAX:
        raise DomainError(_("A project has at most %(count)d leads.") % {"count": LEADS_MAX}, code="limit_reached")
    _add_lead(project=project, member=actor, actor=actor, kind=LeadChange.Kind.JOINED)
    return _answer(invitation, LeadInvitation.Status.ACCEPTED, actor=actor)


@transaction.atomic
def lead_invitation_decline(*, invitation, actor):
    """The invited member declines: nothing else changes, and the project may not invite them again
    for DECLINED_WAIT_DAYS. Only the invited member may; declining twice changes nothing."""
    invitation = _lock_invitation(invitation)
    if not permissions.can_answer_invitation(actor, invitation):
        raise NotAllowed(_("This invitation is for another member."))
    if invitation.status == LeadInvitation.Status.DECLINED:
        return invitation
    if not invitation.is_open:
        raise IllegalTransition(_closed_message(invitation))
    return _answer(invitation, LeadInvitation.Status.DECLINED, actor=actor)


@transaction.atomic
def lead_invitation_withdraw(*, invitation, actor):
    """Any lead (or a moderator of the community, a superuser) withdraws an invitation not yet
    answered, lapsed or not; withdrawing it twice changes nothing."""
    invitation = _lock_invitation(invitation)
    if not permissions.can_manage_team(actor, invitation.project):
        raise NotAllowed(_("Only the project's leads may withdraw an invitation."))
    if invitation.status == LeadInvitation.Status.WITHDRAWN:
        return invitation
    if not invitation.can_move_to(LeadInvitation.Status.WITHDRAWN):
        raise IllegalTransition(_closed_message(invitation))
    return _answer(invitation, LeadInvitation.Status.WITHDRAWN, actor=actor)


@transaction.atomic
def project_remove_lead(*, project, actor, member):
    """A lead steps down (`member` is the actor), or a lead, a moderator of the community or a
    superuser removes another lead. Recorded; the project's pages show the new team once committed.

    Guarantees that a project is never left without a lead: the leads are counted under the
    project's row lock, which every change of its leads takes, and the last one is refused.
    """
    project = _lock_project(project)
    if not permissions.can_remove_lead(actor, project, member):
        raise NotAllowed(_("Only the project's leads may remove a lead."))
    stepping_down = actor.pk == member.pk
    leads = list(project.leads.values_list("pk", flat=True))
    if member.pk not in leads:
        raise DomainError(_("@%(handle)s is not a lead of this project.") % {"handle": member.handle})
    if len(leads) == 1:
        if stepping_down:
            message = _("You are the project's only lead: invite a co-lead, and step down once they have accepted.")
        else:
            message = _("@%(handle)s is the project's only lead: a project always keeps at least one lead.") % {
                "handle": member.handle
            }
        raise IllegalTransition(message, code="last_lead")
    project.leads.remove(member)
    kind = LeadChange.Kind.STEPPED_DOWN if stepping_down else LeadChange.Kind.REMOVED
    LeadChange.objects.create(project=project, member=member, kind=kind, actor=actor)
    cache_versions.project_changed(project)
