"""Writes on milestones: the ordered steps of a project, which its leads add, edit, reorder and
mark done (with evidence: a note and photos).

A done milestone has a date done and exactly one timeline entry; a milestone that is not done
has neither. Marking one done is announced on the timeline (and in the feed) at its date;
taking it back out of done is a correction ("we were wrong, the roof is not finished"): the
date and the entry go, so neither the page nor the feed keeps saying it was reached. Marking it
done again later announces it again, at its new date.
"""

from datetime import datetime, time

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions
from core.errors import DomainError, NotAllowed
from projects.models import Project
from publishing.limits import MILESTONE_DESCRIPTION_MAX, MILESTONE_EVIDENCE_MAX, MILESTONES_PER_PROJECT_MAX
from publishing.models import Milestone, TimelineEntry
from publishing.permissions import can_publish
from publishing.photos import photo_attach

TITLE_MAX = Milestone._meta.get_field("title").max_length


def _check_lead(actor, project):
    if not can_publish(actor, project):
        raise NotAllowed(_("Only the project's leads may write its milestones."))
    if project.status == Project.Status.CANCELLED:
        raise DomainError(_("This project was cancelled: its milestones can no longer change."))


def _clean_title(title):
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the milestone a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("A title has at most %(count)d characters.") % {"count": TITLE_MAX}, field="title")
    return title


def _clean_text(value, *, field, max_length):
    text = (value or "").strip()
    if len(text) > max_length:
        raise DomainError(_("At most %(count)d characters, please.") % {"count": max_length}, field=field)
    return text


def _entry_time(done_on):
    """When a milestone done on `done_on` appears on the timeline: now if done today, else noon
    of that day (the timeline orders by date and time; a past day has no better time)."""
    if done_on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(done_on, time(12)))


@transaction.atomic
def milestone_create(*, project, actor, title, description="", target_date=None):
    """A lead adds a planned milestone at the end of the project's list, up to
    MILESTONES_PER_PROJECT_MAX."""
    project = Project.objects.lock(project.pk)
    _check_lead(actor, project)
    # Under the project's lock: two leads adding at once get different positions, and the last
    # place goes to one of them only.
    existing = project.milestones.aggregate(last=Max("position"), count=Count("pk"))
    if existing["count"] >= MILESTONES_PER_PROJECT_MAX:
        raise DomainError(
            _("A project has at most %(count)d milestones.") % {"count": MILESTONES_PER_PROJECT_MAX},
            code="too_many",
        )
    last = existing["last"]
    milestone = Milestone.objects.create(
        project=project,
        position=0 if last is None else last + 1,
        title=_clean_title(title),
        description=_clean_text(description, field="description", max_length=MILESTONE_DESCRIPTION_MAX),
        target_date=target_date,
    )
    cache_versions.project_changed(project)
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone, actor, title, description, target_date, status, evidence_note, done_on=None, photos=(), today=None
):
    """A lead edits a milestone and moves it between planned, in progress and done.

    Guarantees: a done milestone has a date done (`done_on`, else today; never in the future)
    and exactly one timeline entry at that date; moving it to done twice in a row creates no
    second entry; correcting the date of a done milestone moves its entry; leaving done clears
    the date and removes the entry (see the module's docstring). Evidence `photos` (uploaded
    files) are attached in the same transaction: one bad file and nothing is saved, so the lead
    fixes it and sends the form again. `today` is for tests.
    """
    project = Project.objects.lock(milestone.project_id)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    _check_lead(actor, project)
    try:
        status = Milestone.Status(status)
    except ValueError:
        raise DomainError(_("Choose a status."), field="status") from None
    today = today or timezone.localdate()
    if done_on is not None and done_on > today:
        raise DomainError(_("The date done cannot be in the future."), field="done_on")
    if done_on is not None and status != Milestone.Status.DONE:
        raise DomainError(_("Only a done milestone has a date done."), field="done_on")

    was_done = milestone.status == Milestone.Status.DONE
    milestone.title = _clean_title(title)
    milestone.description = _clean_text(description, field="description", max_length=MILESTONE_DESCRIPTION_MAX)
    milestone.target_date = target_date
    milestone.evidence_note = _clean_text(evidence_note, field="evidence_note", max_length=MILESTONE_EVIDENCE_MAX)
    milestone.status = status
    if status == Milestone.Status.DONE:
        # Kept when the lead edits a done milestone without giving a date.
        milestone.done_on = done_on or (milestone.done_on if was_done else None) or today
    else:
        milestone.done_on = None
    milestone.updated_at = timezone.now()
    milestone.save()

    if status == Milestone.Status.DONE:
        entry = TimelineEntry.objects.filter(milestone=milestone).first()
        if entry is None:
            TimelineEntry.objects.create(
                project=project,
                kind=TimelineEntry.Kind.MILESTONE,
                milestone=milestone,
                at=_entry_time(milestone.done_on),
            )
        elif timezone.localtime(entry.at).date() != milestone.done_on:
            entry.at = _entry_time(milestone.done_on)
            entry.save(update_fields=["at"])
    elif was_done:
        TimelineEntry.objects.filter(milestone=milestone).delete()
    for file in photos:
        photo_attach(actor=actor, milestone=milestone, file=file)
    cache_versions.project_changed(project)
    return milestone


@transaction.atomic
def milestone_reorder(*, project, actor, ordered_ids):
    """A lead puts the project's milestones in a new order, all at once.

    `ordered_ids` must name each of the project's milestones exactly once (a stale page after
    another lead added or removed one is refused, not half applied).
    """
    project = Project.objects.lock(project.pk)
    _check_lead(actor, project)
    try:
        ordered_ids = [int(value) for value in ordered_ids]
    except (TypeError, ValueError):
        raise DomainError(_("This order does not match the project's milestones: reload the page.")) from None
    milestones = {milestone.pk: milestone for milestone in project.milestones.select_for_update()}
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != set(milestones):
        raise DomainError(_("This order does not match the project's milestones: reload the page."))
    changed = []
    for position, milestone_id in enumerate(ordered_ids):
        milestone = milestones[milestone_id]
        if milestone.position != position:
            milestone.position = position
            changed.append(milestone)
    Milestone.objects.bulk_update(changed, ["position"])
    cache_versions.project_changed(project)
    return [milestones[milestone_id] for milestone_id in ordered_ids]


def milestone_moved(ordered_ids, milestone_id, direction):
    """The order after moving one milestone one place up or down (unchanged at either end)."""
    ordered_ids = list(ordered_ids)
    index = ordered_ids.index(milestone_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered_ids):
        ordered_ids[index], ordered_ids[other] = ordered_ids[other], ordered_ids[index]
    return ordered_ids
