"""The one harness of the concurrency tests (PostgreSQL): workers that really run at the same
time, and a test that fails when one of them crashes or hangs, or when they never contended.

- `run_together(jobs)` runs each job (name → callable) in a thread of its own, with a database
  connection of its own (opened before the start, closed at the end), all released at once by a
  barrier, as concurrent requests would. Returns name → ("ok", result), or ("refused", error)
  for the domain errors the test expects (`refused`). Any other exception in any thread is
  recorded and re-raised once all threads are joined: a crashed worker fails the test. The
  threads are joined with a timeout: a worker still running after it fails the test, and its
  database session is ended, so that it cannot block the next test.
- The proof that the workers overlapped: `holding=take` runs `take()` in a transaction of its
  own (another request holding locks: a project's row, see `rows_locked`; a counter; an
  uncommitted row) before the workers start, waits until PostgreSQL shows `blocked` of them
  (all, by default) waiting for a lock behind that transaction, directly or queued behind one
  another, and only then rolls it back. So they were all inside the contended section at once;
  if the code under test no longer takes the lock, they never wait and the test fails.
- A cache between writers and readers: `run_with_last_commit_open` holds the last commit open
  while the readers read, so that what they store then is from before it.
- Interleavings of their own: `meanwhile(workers, *holders)` runs while the workers do, instead
  of that wait, with `wait_until_blocked`, `Holder.release`, `Workers.wait_until_ended`, `held`
  and events inside the jobs. Locks still held when it returns are released.
"""

import threading
import time
from contextlib import contextmanager
from functools import partial

from django.db import connection, connections, transaction

from core.errors import DomainError

JOIN_TIMEOUT = 30  # seconds for all workers to end, once started
BLOCKED_TIMEOUT = 20  # seconds for the workers to reach a held lock


def _backend_pid():
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _end_sessions(pids):
    """End the database sessions of threads that hung: their locks must not block the next test."""
    pids = [pid for pid in pids if pid is not None]
    if pids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])


def _raise_all(errors):
    if len(errors) == 1:
        raise errors[0]
    if errors:
        # The message names them all: pytest shows the traceback of the first one only.
        summary = "; ".join(" ".join([repr(error), *getattr(error, "__notes__", ())]) for error in errors)
        raise ExceptionGroup(f"{len(errors)} failures in concurrent workers: {summary}", errors)


def rows_locked(queryset):
    """A `holding` that locks the rows of `queryset` as a service's select_for_update() would
    wait for them. FOR NO KEY UPDATE: it conflicts with those row locks, not with the foreign-key
    checks of inserts that merely point at the rows, so a worker counts as waiting for it only if
    it locks (or updates) the rows itself."""
    return lambda: list(queryset.select_for_update(no_key=True))


class Holder:
    """A transaction of its own, in a thread and connection of its own, holding what `take()`
    locked until `release()`; it then rolls back. `pid` is its database session, `value` what
    take() returned."""

    def __init__(self, take):
        self.take = take
        self.pid = None
        self.value = None
        self.error = None
        self._ready = threading.Event()
        self._release = threading.Event()
        self._released = False
        self._thread = threading.Thread(target=self._hold, name="lock-holder", daemon=True)

    def _hold(self):
        try:
            self.pid = _backend_pid()
            with transaction.atomic():
                self.value = self.take()
                self._ready.set()
                if not self._release.wait(JOIN_TIMEOUT):
                    raise AssertionError("the held lock was never released")
                transaction.set_rollback(True)  # it only held locks: nothing it did stays
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread
            self.error = error
        finally:
            self._ready.set()
            connections.close_all()

    def start(self):
        self._thread.start()
        if not self._ready.wait(JOIN_TIMEOUT):
            raise AssertionError("the lock holder never got its locks")
        if self.error is not None:
            self._released = True
            raise self.error
        return self

    def release(self):
        if self._released:
            return
        self._released = True
        self._release.set()
        self._thread.join(JOIN_TIMEOUT)
        if self._thread.is_alive():
            _end_sessions([self.pid])
            raise AssertionError("the lock holder hung")
        if self.error is not None:
            raise self.error


@contextmanager
def held(take):
    """`take()` run in a transaction of its own, whose locks are held until the block ends (or
    the Holder it yields is released)."""
    holder = Holder(take).start()
    try:
        yield holder
    finally:
        holder.release()


class Workers:
    """Threads started together; see run_together. `pids`: name → database session."""

    def __init__(self, jobs, *, refused=(DomainError,)):
        self.jobs = dict(jobs)
        self.refused = refused
        self.outcomes = {}
        self.pids = {}
        self.crashes = []
        self.ended = set()
        self._barrier = threading.Barrier(len(self.jobs) + 1, timeout=JOIN_TIMEOUT)
        self._threads = {
            name: threading.Thread(target=self._work, args=(name, job), name=f"worker-{name}", daemon=True)
            for name, job in self.jobs.items()
        }
        self._started = False

    def _work(self, name, job):
        try:
            # Connected before the start, so that all start together.
            self.pids[name] = _backend_pid()
            self._barrier.wait()
            self.outcomes[name] = ("ok", job())
        except self.refused as error:
            self.outcomes[name] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread, with the job's name
            error.add_note(f"in worker {name!r}")
            self.crashes.append(error)
        finally:
            connections.close_all()
            self.ended.add(name)

    def start(self):
        self._started = True
        for thread in self._threads.values():
            thread.start()
        self._barrier.wait()  # every worker is connected, and all are released together

    def abort(self):
        self._barrier.abort()  # workers still at the start do not wait for ever

    def wait_until_ended(self, names, *, timeout=JOIN_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not self.ended.issuperset(names):
            if time.monotonic() > deadline:
                raise AssertionError(f"workers still running: {set(names) - self.ended}")
            time.sleep(0.01)

    def join(self):
        """The errors of the run: every crash, and threads still running after JOIN_TIMEOUT."""
        if not self._started:
            return []
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in self._threads.values():
            thread.join(max(deadline - time.monotonic(), 0))
        hung = [name for name, thread in self._threads.items() if thread.is_alive()]
        errors = list(self.crashes)
        if hung:
            _end_sessions([self.pids.get(name) for name in hung])
            errors.append(AssertionError(f"workers hung (a deadlock, a lock wait that never ends): {hung}"))
        return errors


def blocked_behind(holders, pids):
    """The sessions among `pids` waiting for a lock that one of `holders` holds, directly or
    queued behind another waiter (PostgreSQL's pg_blocking_pids, followed transitively)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity"
            " WHERE pid = ANY(%s::int[]) AND wait_event_type = 'Lock'",
            [[pid for pid in pids if pid is not None]],
        )
        waiting = dict(cursor.fetchall())
    behind = {holder.pid for holder in holders}
    grew = True
    while grew:
        grew = False
        for pid, blockers in waiting.items():
            if pid not in behind and behind.intersection(blockers):
                behind.add(pid)
                grew = True
    return behind.intersection(waiting)


def wait_until_blocked(holders, pids, count, *, timeout=BLOCKED_TIMEOUT):
    """Wait until `count` of the sessions `pids` wait behind the locks of `holders` (a Holder or
    several); fail if they do not within `timeout`."""
    holders = [holders] if isinstance(holders, Holder) else list(holders)
    pids = list(pids)
    deadline = time.monotonic() + timeout
    while True:
        blocked = blocked_behind(holders, pids)
        if len(blocked) >= count:
            return blocked
        if time.monotonic() > deadline:
            raise AssertionError(
                f"only {len(blocked)} of {count} workers waited for the held lock within {timeout} s:"
                " they did not contend for it (is the lock still taken?)"
            )
        time.sleep(0.02)


def run_together(jobs, *, refused=(DomainError,), holding=(), blocked=None, meanwhile=None):
    """Run the jobs together (see the module's docstring); returns name → (kind, result).

    holding: a callable taking locks (or several), each in a transaction of its own, before the
    workers start. By default the test then waits until `blocked` workers (all of them unless
    said) wait behind those locks, and releases them; `meanwhile(workers, *holders)`, if given,
    runs instead, while the workers run.
    """
    takes = [holding] if callable(holding) else list(holding or ())
    workers = Workers(jobs, refused=refused)
    holders, errors = [], []
    try:
        for take in takes:
            holders.append(Holder(take).start())
        workers.start()
        if meanwhile is not None:
            meanwhile(workers, *holders)
        elif holders:
            wait_until_blocked(holders, workers.pids.values(), len(workers.jobs) if blocked is None else blocked)
    except Exception as error:  # noqa: BLE001 - raised below, with the workers' errors
        errors.append(error)
        workers.abort()
    for holder in holders:
        try:
            holder.release()
        except Exception as error:  # noqa: BLE001 - raised below
            errors.append(error)
    errors += workers.join()
    if not errors and set(workers.outcomes) != set(workers.jobs):
        errors.append(AssertionError(f"workers ended without an outcome: {set(workers.jobs) - set(workers.outcomes)}"))
    _raise_all(errors)
    return workers.outcomes


def run_with_last_commit_open(*, writes, last_write, reads, read_while_open):
    """Writers and readers of the same rows through a cache, the last commit coming while the
    readers read. Every callable of `writes` (one writer each) and of `reads` (one reader each)
    runs together (`run_together`); once every writer has done, the first one runs `last_write()`
    in a transaction that stays open until each reader has run `read_while_open()` once, so what
    they read (and may store) then dates from before that commit. Returns the readers' results
    of `read_while_open`, one per reader."""
    writers_done = threading.Barrier(len(writes), timeout=JOIN_TIMEOUT)
    last_write_open = threading.Barrier(1 + len(reads), timeout=JOIN_TIMEOUT)
    read_while_last_open = threading.Barrier(1 + len(reads), timeout=JOIN_TIMEOUT)
    seen_while_open = []

    def write(do_writes, last):
        do_writes()
        writers_done.wait()
        if last:
            with transaction.atomic():
                last_write()
                last_write_open.wait()
                read_while_last_open.wait()

    def read(do_reads):
        do_reads()
        last_write_open.wait()
        try:
            seen_while_open.append(read_while_open())
        finally:
            read_while_last_open.wait()

    jobs = {f"writer-{index}": partial(write, do_writes, index == 0) for index, do_writes in enumerate(writes)}
    jobs.update({f"reader-{index}": partial(read, do_reads) for index, do_reads in enumerate(reads)})
    run_together(jobs, refused=())
    return seen_while_open
