"""Celery in the tests: the embedded default, and a broker for the tests that need one.

Every test runs the tasks as the embedded default does (no broker: in the process, after the
commit), whatever CELERY_BROKER_URL the shell running the tests has. A test that takes the
`celery_broker` fixture gets what production has instead: a broker (Kombu's in-memory
transport), so a task only sends a message, and a real Celery worker, started by the test in a
thread of this process (`with celery_broker.worker(): celery_broker.wait_until(...)`), runs it. That worker uses its
own database connection: such a test must be transactional (django_db(transaction=True)), so
that the worker sees what the request committed.
"""

import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker

from config.celery import app

QUEUE = "celery"  # Celery's default queue: ours has no routes


def _leave_logging_alone(**kwargs):
    """A receiver of setup_logging: Celery then leaves logging as it is (pytest captures it)
    instead of configuring the root logger for the embedded worker."""


class MemoryBroker:
    def __init__(self):
        self.published = []  # (task name, args) of each message sent to the broker, in order
        self.retries = []  # (retry number, seconds it waits) of each retry sent
        self.ran = []  # (task name, final state) of each task a worker ran, in order
        self._lock = threading.Lock()

    def record_message(self, sender=None, body=None, headers=None, **kwargs):
        with self._lock:
            self.published.append((sender, tuple(body[0])))
            if headers.get("retries"):
                eta = headers["eta"]  # None for a retry at once
                wait = (datetime.fromisoformat(eta) - datetime.now(UTC)).total_seconds() if eta else 0
                self.retries.append((headers["retries"], wait))

    def record_run(self, sender=None, state=None, **kwargs):
        with self._lock:
            self.ran.append((sender.name, state))

    def waiting(self):
        """How many messages wait in the queue, not taken by a worker."""
        with app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=QUEUE).message_count

    def purge(self):
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(QUEUE)

    @contextmanager
    def worker(self, *, timeout=20):
        """A Celery worker running while inside (solo pool: it runs the tasks in a thread of its
        own, with its own database connection)."""
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=timeout):
            yield

    def wait_until(self, condition, *, timeout=20):
        """Wait until `condition()` (e.g. `len(broker.ran) == 2`) and no message waits; fails
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not (condition() and self.waiting() == 0):
            assert time.monotonic() < deadline, "the worker did not run the queued tasks in time"
            time.sleep(0.05)


def _forget_broker_connections():
    # Celery makes its connection pool once, for the broker configured then (a task run in the
    # process makes it too, without connecting), and keeps it: dropped, the next is made for
    # the broker configured now. (What its own fork handler, Celery._after_fork, does.)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_broker():
    """Tasks are sent to an in-memory broker, as they would be to Redis with CELERY_BROKER_URL."""
    kept = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(
        broker_url="memory://",
        task_always_eager=False,
        # The worker looks for messages every 10 ms instead of every second.
        broker_transport_options={**kept["broker_transport_options"], "polling_interval": 0.01},
    )
    _forget_broker_connections()
    signals.setup_logging.connect(_leave_logging_alone)
    broker = MemoryBroker()
    signals.after_task_publish.connect(broker.record_message)
    signals.task_postrun.connect(broker.record_run)
    broker.purge()
    try:
        yield broker
    finally:
        signals.after_task_publish.disconnect(broker.record_message)
        signals.task_postrun.disconnect(broker.record_run)
        signals.setup_logging.disconnect(_leave_logging_alone)
        broker.purge()
        app.conf.update(kept)
        _forget_broker_connections()


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    """The embedded default for every test (config/settings.py without CELERY_BROKER_URL)."""
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
