"""Background work of publishing (core/background.py; README "Background work").

The emails of a published update are one task each, not one task for all: each is short (one
SMTP exchange, well inside the time limits and Redis's visibility timeout, whatever the audience),
they spread over the workers, and a failure retries that email alone. Its UpdateEmail row is the
record: the task claims it, so a message delivered twice sends one email.
"""

from celery import shared_task

from core.background import TRANSIENT_ERRORS, RetriedTask
from publishing import update_emails


@shared_task
def send_update_emails(update_id):
    """Enqueued when an update is published (after the commit): one send_update_email per email
    of the update still pending. Running it again enqueues them again, and each is sent once all
    the same. A row whose task is lost stays pending: `manage.py send_update_emails` sends it."""
    for email_id in update_emails.queued_for(update_id=update_id):
        send_update_email.delay(email_id)


@shared_task(bind=True, base=RetriedTask, autoretry_for=TRANSIENT_ERRORS, max_retries=update_emails.MAX_ATTEMPTS - 1)
def send_update_email(self, email_id):
    """Claim and send one queued email (update_emails.send_one), at most MAX_ATTEMPTS times in
    all: an SMTP server that refuses or cannot be reached is tried again after a backoff; a
    failure of another kind (no address any more) is recorded and left to the command."""
    update_emails.send_one(email_id, retry_now=self.request.retries > 0, reraise=TRANSIENT_ERRORS)
