"""What every background task shares: how it is enqueued, and how it is retried.

The tasks live in the `tasks.py` of the app that owns the work (receipts, publishing); they take
primary keys, call that app's functions and are idempotent, so running one twice (a message
delivered again, a retry, the recovery command) changes nothing. Settings: config/settings.py
(CELERY_*); README "Background work".
"""

import smtplib
from functools import partial

from celery.contrib.django.task import DjangoTask
from django.db import transaction

# Failures worth trying again later: the SMTP server refused, dropped or timed out (SMTPException
# and socket.timeout are OSErrors too), the network or a disk was unavailable for a moment.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


class RetriedTask(DjangoTask):
    """A task retried with exponential backoff on the errors in its `autoretry_for`.

    Waits about 30 s, 1, 2, 4 and 8 minutes (at random below each, so that the emails failing
    together in an SMTP outage do not come back together), never more than 10 minutes: a retry is
    a message with a countdown, and Redis delivers again a message held longer than its
    visibility timeout (30 minutes, config/settings.py).
    """

    max_retries = 5
    retry_backoff = 30
    retry_backoff_max = 10 * 60
    retry_jitter = True

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager and exc is not None:
            # No broker: Celery would retry at once, in the request, with no wait in between.
            # One attempt, as without Celery; the error is logged and the work recovered later.
            raise exc
        return super().retry(*args, exc=exc, **kwargs)


def enqueue_on_commit(task, *args):
    """Send `task(*args)` to the workers once the current transaction commits; never for a
    rolled-back one. With no broker the task runs then, in this process.

    robust: the data is committed by then, so a broker that cannot be reached (or a task that
    fails in-process) is logged instead of turning the request into an error and skipping the
    other callbacks; each task's work has a way back (its docstring says which).
    """
    transaction.on_commit(partial(task.delay, *args), robust=True)
