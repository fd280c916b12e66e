"""The Celery app: background work (README "Background work").

Configured from Django's settings, the CELERY_* ones (config/settings.py); the tasks are each
app's `tasks.py`. With no CELERY_BROKER_URL the tasks run in the process that enqueues them,
after its commit, and there is no worker to start.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tiwizi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def refuse_to_work_without_a_broker(sender=None, **kwargs):
    # Without CELERY_BROKER_URL the web processes run every task themselves, and a worker would
    # quietly wait on Celery's default broker (amqp://localhost, where nothing is ever sent).
    # SystemExit: Celery logs any Exception a signal handler raises, and goes on.
    if sender is not None and sender.app.conf.task_always_eager:
        raise SystemExit("Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1) before starting a worker.")
