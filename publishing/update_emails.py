"""Sending the emails of published updates, outside the request that published them.

Publishing (publishing/updates.py) queues one UpdateEmail row per recipient in its transaction:
the rows are the record of what is to be sent, what was sent and what failed. After the commit,
the task publishing.tasks.send_update_emails hands each row to a task of its own
(send_update_email), run by a Celery worker, or in the publishing process itself when no broker
is configured (README "Background work"). `manage.py send_update_emails` sends whatever is still
due (send_pending): the recovery after a lost message, a crash or an outage.

A sender claims each row with a conditional UPDATE (pending → sending) and sends it only if that
UPDATE changed one row, as healthchecks' sendalerts does: two senders never send the same row,
so a task delivered twice, or a task and the command at once, send one email. A failed send is
marked failed, with its attempts counted, and tried again, up to MAX_ATTEMPTS: by its task after
a backoff, or by the command after RETRY_AFTER; a row left "sending" by a sender that died is
taken back by the command after STALE_AFTER (so an email can, rarely, go twice; never zero times).

Language: members have no language of their own, and the worker runs later, often in another
process, so emails are written in the site's default language (settings.LANGUAGE_CODE, French
first), the same for every recipient and whatever the language of the lead who published.

Each email carries a link to stop the project's updates by email that works without logging
in: a signed token for (member, project) opens a page with a confirmation button (see
unsubscribe_token), and the List-Unsubscribe header points at the same address.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from publishing.models import UpdateEmail

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=10)
STALE_AFTER = timedelta(minutes=30)

UNSUBSCRIBE_SALT = "publishing.update_emails.unsubscribe"
# Long enough for an email read months later; an expired link says how to stop them anyway.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)


# Tokens --------------------------------------------------------------------------------------


def unsubscribe_token(*, member, project):
    """A signed, dated token naming the member and the project; nothing else can be read from it
    or changed in it (salted: a token signed elsewhere in the site is refused here)."""
    return signing.dumps({"m": member.pk, "p": project.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token):
    """(member id, project id) from a token, or raise signing.BadSignature (SignatureExpired is
    one) for a tampered, foreign or expired token."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    try:
        return int(data["m"]), int(data["p"])
    except (KeyError, TypeError, ValueError):
        raise signing.BadSignature("malformed unsubscribe token") from None


def unsubscribe_url(*, member, project):
    path = reverse(
        "publishing:update_unsubscribe",
        kwargs={"slug": project.slug, "token": unsubscribe_token(member=member, project=project)},
    )
    return settings.SITE_URL + path


# Claiming and sending ------------------------------------------------------------------------


def _claimable(now, *, retry_now=False):
    # retry_now: the caller, a task's retry, already waited its own backoff.
    failed_again = Q(claimed_at__lt=now - RETRY_AFTER) if not retry_now else Q()
    return (
        Q(status=UpdateEmail.Status.PENDING)
        | Q(failed_again, status=UpdateEmail.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
        | Q(status=UpdateEmail.Status.SENDING, claimed_at__lt=now - STALE_AFTER)
    )


def _claim(email_id, now, *, retry_now=False):
    """Take one row for this sender. True only for the one sender whose UPDATE changed it."""
    claimed = UpdateEmail.objects.filter(_claimable(now, retry_now=retry_now), pk=email_id).update(
        status=UpdateEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _message(email):
    update = email.update
    project = update.project
    member = email.member
    context = {
        "update": update,
        "project": project,
        "member": member,
        "update_url": settings.SITE_URL + reverse("publishing:update", args=[project.slug, update.pk]),
        "unsubscribe_url": unsubscribe_url(member=member, project=project),
    }
    # In the member's language (accounts/languages.py).
    with in_language_of(member):
        subject = _("%(project)s: %(title)s") % {"project": project.title, "title": update.title}
        text = render_to_string("publishing/emails/update.txt", context)
        html = render_to_string("publishing/emails/update.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "),
        body=text,
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            # RFC 8058: mail clients may POST to the address to unsubscribe in one click.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _due():
    """Rows whose update may go out: not hidden by moderation. Kept out of the claiming UPDATE,
    which tests its own row only (a join there would weaken the one-worker guarantee)."""
    return Q(update__hidden_at__isnull=True)


def send_one(email_id, *, now=None, retry_now=False, reraise=()):
    """Claim and send one queued email. Returns its status afterwards, or None if another sender
    has it, or it was sent, or it is not due (its update is hidden by moderation, and it waits,
    pending, until a moderator restores the update).

    A failure is recorded (the row is failed, its attempt counted) and returns FAILED; an error
    of a kind in `reraise` is raised afterwards, for a task to retry. retry_now: a failed row is
    taken at once instead of after RETRY_AFTER (a task's retry, which waited its backoff)."""
    now = now or timezone.now()
    if not _claim(email_id, now, retry_now=retry_now):
        return None
    email = UpdateEmail.objects.select_related("update__project", "update__author", "member").get(pk=email_id)
    if email.update.is_hidden:
        # Hidden since it was queued: given back, as if never claimed.
        UpdateEmail.objects.filter(pk=email.pk, status=UpdateEmail.Status.SENDING).update(
            status=UpdateEmail.Status.PENDING, attempts=F("attempts") - 1
        )
        return None
    try:
        if not email.member.email or not email.member.is_active:
            # The address was removed (or the account closed) since publishing: nothing to send.
            raise ValueError("the member has no email address now")
        _message(email).send()
    except Exception as error:
        logger.exception("update email %s failed (attempt %s)", email.pk, email.attempts)
        UpdateEmail.objects.filter(pk=email.pk, status=UpdateEmail.Status.SENDING).update(
            status=UpdateEmail.Status.FAILED
        )
        if isinstance(error, reraise):
            raise
        return UpdateEmail.Status.FAILED
    UpdateEmail.objects.filter(pk=email.pk, status=UpdateEmail.Status.SENDING).update(
        status=UpdateEmail.Status.SENT, sent_at=timezone.now()
    )
    return UpdateEmail.Status.SENT


def send_pending(*, now=None, progress=None):
    """Send every email that is due now, batch by batch, until none is left: pending ones whose
    task was lost, failed ones due for a retry, and ones left sending by a sender that died.
    Returns {"sent": n, "failed": n}. Safe to run in several processes at once, and while the
    tasks run. `progress(counts)` is called after each batch (the command prints it)."""
    counts = {"sent": 0, "failed": 0}
    last_id = 0
    while True:
        current = now or timezone.now()
        # Ids are read without a lock, then each is claimed; walking up the ids means a failed
        # row is not retried in the same run (it is due only after RETRY_AFTER anyway).
        batch = list(
            UpdateEmail.objects.filter(_claimable(current), _due(), pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            return counts
        for email_id in batch:
            status = send_one(email_id, now=current)
            if status is not None:
                counts[status] += 1
        last_id = batch[-1]
        if progress is not None:
            progress(counts)


def pending_count(*, now=None):
    return UpdateEmail.objects.filter(_claimable(now or timezone.now()), _due()).count()


def queued_for(*, update_id):
    """The ids of an update's emails still to send (pending, and the update not hidden)."""
    return UpdateEmail.objects.filter(_due(), update_id=update_id, status=UpdateEmail.Status.PENDING).values_list(
        "pk", flat=True
    )
