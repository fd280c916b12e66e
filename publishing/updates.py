"""Updates: posts by a project's leads (Markdown, photos), for everyone or for supporters only.

An update is a draft until it is published. Publishing happens once (the row is re-read under
lock and a published update is left alone): it dates the update, writes its timeline entry and
queues one email per supporter (UpdateEmail rows, in the same transaction), which
publishing/update_emails.py sends after the commit, outside the request (publishing/tasks.py).
Editing a published update changes what the page, the feed and the API show, never re-sends an
email.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions
from core.background import enqueue_on_commit
from core.errors import DomainError, NotAllowed
from donations.selectors import project_supporter_members
from projects.models import Project
from publishing.limits import UPDATE_BODY_MAX, UPDATES_PER_PROJECT_MAX
from publishing.models import TimelineEntry, Update, UpdateEmail, UpdateEmailOptOut
from publishing.permissions import can_publish
from publishing.photos import photo_attach
from publishing.tasks import send_update_emails

TITLE_MAX = Update._meta.get_field("title").max_length
BODY_MAX = UPDATE_BODY_MAX


def _lock_update(update_id):
    return Update.objects.select_for_update().get(pk=update_id)


def _check_lead(actor, project):
    if not can_publish(actor, project):
        raise NotAllowed(_("Only the project's leads may write its updates."))


def _clean_title(title):
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the update a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("A title has at most %(count)d characters.") % {"count": TITLE_MAX}, field="title")
    return title


def _clean_body(body):
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write the update's text."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_("The text has at most %(count)d characters.") % {"count": BODY_MAX}, field="body")
    return body


def _clean_audience(audience):
    try:
        return Update.Audience(audience)
    except ValueError:
        raise DomainError(_("Choose who may read the update."), field="audience") from None


def update_recipients(*, update):
    """Whom a published update is emailed to: the project's supporters (a standing pledge) who
    have an email, an active account and did not opt out of its updates; never its author."""
    opted_out = UpdateEmailOptOut.objects.filter(project_id=update.project_id).values("member_id")
    return (
        project_supporter_members(project=update.project)
        .filter(is_active=True, email__isnull=False)
        .exclude(email="")
        .exclude(pk=update.author_id)
        .exclude(pk__in=opted_out)
    )


@transaction.atomic
def update_create(*, project, actor, title, body, audience=Update.Audience.PUBLIC, publish=False, photos=()):
    """A lead writes an update: a draft, or published at once when `publish` is true.

    Photos (uploaded files) are attached in the same transaction: one bad file and nothing is
    saved, so the lead fixes it and sends the form again. A project has at most
    UPDATES_PER_PROJECT_MAX updates, drafts included, counted under the project's lock.
    """
    project = Project.objects.lock(project.pk)
    _check_lead(actor, project)
    if Update.objects.filter(project=project).count() >= UPDATES_PER_PROJECT_MAX:
        raise DomainError(
            _("A project has at most %(count)d updates: edit an earlier one rather than add another.")
            % {"count": UPDATES_PER_PROJECT_MAX},
            code="too_many",
        )
    update = Update.objects.create(
        project=project,
        author=actor,
        title=_clean_title(title),
        body=_clean_body(body),
        audience=_clean_audience(audience),
    )
    for file in photos:
        photo_attach(actor=actor, update=update, file=file)
    if publish:
        update = update_publish(update=update, actor=actor)
    return update


@transaction.atomic
def update_edit(*, update, actor, title, body, audience, photos=()):
    """A lead corrects an update, draft or published. Emails are never sent again; a published
    update's timeline entry follows its audience (who may see it is decided on the entry)."""
    project = Project.objects.lock(update.project_id)
    update = _lock_update(update.pk)
    _check_lead(actor, project)
    update.title = _clean_title(title)
    update.body = _clean_body(body)
    update.audience = _clean_audience(audience)
    update.save(update_fields=["title", "body", "audience"])
    if update.published_at is not None:
        TimelineEntry.objects.filter(update=update).update(supporters_only=update.supporters_only)
    for file in photos:
        photo_attach(actor=actor, update=update, file=file)
    cache_versions.project_changed(project)
    return update


@transaction.atomic
def update_publish(*, update, actor, now=None):
    """Publish a draft: exactly once, whoever clicks and however many times.

    Guarantees: the update gets its date and one timeline entry, and one email per supporter
    (update_recipients) is queued in the same transaction (the unique constraint
    update_email_once_per_member makes "once per person" the database's rule). Publishing an
    update already published changes nothing and queues nothing. The emails are sent after the
    commit, by publishing/update_emails.py through the task send_update_emails (enqueued on
    commit): nothing leaves before the commit, nothing after a rollback.
    """
    project = Project.objects.lock(update.project_id)
    update = _lock_update(update.pk)
    _check_lead(actor, project)
    if update.published_at is not None:
        return update
    update.published_at = now or timezone.now()
    update.save(update_fields=["published_at"])
    TimelineEntry.objects.create(
        project=project,
        kind=TimelineEntry.Kind.UPDATE,
        update=update,
        at=update.published_at,
        supporters_only=update.supporters_only,
    )
    update.project = project
    member_ids = update_recipients(update=update).values_list("pk", flat=True)
    queued = UpdateEmail.objects.bulk_create(
        [UpdateEmail(update=update, member_id=member_id) for member_id in member_ids], batch_size=500
    )
    cache_versions.project_changed(project)
    if queued:
        enqueue_on_commit(send_update_emails, update.pk)
    return update


@transaction.atomic
def update_email_opt_out(*, project, member):
    """The member gets no more of the project's updates by email, from now on: emails queued
    and not yet taken by a worker are dropped too. Asking twice is harmless."""
    opt_out, _created = UpdateEmailOptOut.objects.get_or_create(project=project, member=member)
    UpdateEmail.objects.filter(
        update__project=project, member=member, status__in=[UpdateEmail.Status.PENDING, UpdateEmail.Status.FAILED]
    ).delete()
    return opt_out
