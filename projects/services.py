"""Writes on communities and projects. Each function is one transaction and owns its rules."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import cache_versions, uploads
from core.errors import DomainError, IllegalTransition, NotAllowed
from projects import hooks, permissions
from projects.limits import TRANSITION_NOTE_MAX
from projects.models import Community, Membership, Project, ProjectTransition


def _unique_slug(title):
    base = slugify(title)[:120] or "projet"
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
    if not permissions.can_manage_project(actor, project) and not permissions.is_moderator(actor, project.community):
        raise NotAllowed(_("Only the project's leads may add a co-lead."))
    project.leads.add(member)
    Membership.objects.get_or_create(community=project.community, member=member)
    cache_versions.project_changed(project)


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
