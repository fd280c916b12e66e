"""Sending the emails of published updates, outside the request that published them.

Publishing (publishing/updates.py) queues one UpdateEmail row per recipient in its transaction.
After the commit, a worker sends them: by default a daemon thread started in the publishing
process (the embedded set-up works with no worker to run), or, with UPDATE_EMAILS_WORKER set,
the `send_update_emails` management command running on its own (one or several, anywhere).

A worker claims each row with a conditional UPDATE (pending → sending) and sends it only if
that UPDATE changed one row, as healthchecks' sendalerts does: two workers never send the same
row. A failed send is marked failed, with its attempts counted, and tried again after
RETRY_AFTER, up to MAX_ATTEMPTS; a row left "sending" by a worker that died is taken back after
STALE_AFTER (so an email can, rarely, go twice; never zero times).

Language: members have no language of their own, and the worker runs later, often in another
process, so emails are written in the site's default language (settings.LANGUAGE_CODE, French
first), the same for every recipient and whatever the language of the lead who published.

Each email carries a link to stop the project's updates by email that works without logging
in: a signed token for (member, project) opens a page with a confirmation button (see
unsubscribe_token), and the List-Unsubscribe header points at the same address.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connections
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


def _claimable(now):
    return (
        Q(status=UpdateEmail.Status.PENDING)
        | Q(status=UpdateEmail.Status.FAILED, attempts__lt=MAX_ATTEMPTS, claimed_at__lt=now - RETRY_AFTER)
        | Q(status=UpdateEmail.Status.SENDING, claimed_at__lt=now - STALE_AFTER)
    )


def _claim(email_id, now):
    """Take one row for this worker. True only for the one worker whose UPDATE changed it."""
    claimed = UpdateEmail.objects.filter(_claimable(now), pk=email_id).update(
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


def send_one(email_id, *, now=None):
    """Claim and send one queued email. Returns its status afterwards, or None if another worker
    has it (or it is not due: its update is hidden by moderation, and it waits, pending, until a
    moderator restores the update)."""
    now = now or timezone.now()
    if not _claim(email_id, now):
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
    except Exception:
        logger.exception("update email %s failed (attempt %s)", email.pk, email.attempts)
        UpdateEmail.objects.filter(pk=email.pk, status=UpdateEmail.Status.SENDING).update(
            status=UpdateEmail.Status.FAILED
        )
        return UpdateEmail.Status.FAILED
    UpdateEmail.objects.filter(pk=email.pk, status=UpdateEmail.Status.SENDING).update(
        status=UpdateEmail.Status.SENT, sent_at=timezone.now()
    )
    return UpdateEmail.Status.SENT


def send_pending(*, now=None, progress=None):
    """Send every email that is due now, batch by batch, until none is left. Returns
    {"sent": n, "failed": n}. Safe to run in several processes at once. `progress(counts)` is
    called after each batch (the command prints it)."""
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


# After the publishing transaction commits ----------------------------------------------------

_thread_lock = threading.Lock()
_thread = None
_wanted = False


def emails_queued():
    """Called on commit of a publication: wake a background sender unless a worker command
    does the sending (UPDATE_EMAILS_WORKER). The request never waits for the emails."""
    if settings.UPDATE_EMAILS_WORKER:
        return None
    return start_background_sender()


def start_background_sender():
    """One daemon thread per process drains the queue; a publication while it runs makes it go
    round once more instead of starting another thread. Returns the thread (tests join it)."""
    global _thread, _wanted
    with _thread_lock:
        _wanted = True
        if _thread is None:
            _thread = threading.Thread(target=_background_sender, name="update-emails", daemon=True)
            _thread.start()
        return _thread


def _background_sender():
    global _thread, _wanted
    try:
        while True:
            with _thread_lock:
                # Checked and cleared under the lock that start_background_sender takes: a
                # publication either sees this thread running (and it goes round again) or
                # starts a new one.
                if not _wanted:
                    _thread = None
                    return
                _wanted = False
            try:
                send_pending()
            except Exception:
                # Rows stay pending or failed: the next publication or the command sends them.
                logger.exception("background sending of update emails stopped")
    finally:
        connections.close_all()
