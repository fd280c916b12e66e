"""Versions of what public reads show, changed after every commit that changes them.

The API keeps rendered public responses (project lists, project details) in the shared cache
under keys that carry these versions (api/response_cache.py). A service that changes what they
show calls `project_changed` (or `community_changed`) inside its transaction; the new version is
written only once the transaction commits. A reader reads the versions first, then the rows: it
either sees the new version and committed rows, or the old version and an entry that was right
for it. So a cached response is never older than the last commit that changed it.

A version is a fresh random token, never a counter: if the cache loses a version key, the next
token cannot bring old entries back.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

PROJECT_LIST = "tiwizi:version:projects"
COMMUNITIES = "tiwizi:version:communities"


def project_key(slug):
    return f"tiwizi:version:project:{slug}"


def _new_token():
    return uuid.uuid4().hex


def _change_on_commit(keys):
    transaction.on_commit(lambda: cache.set_many({key: _new_token() for key in keys}, timeout=None))


def project_changed(project):
    """The project, its needs or their progress changed: its detail and every list page are stale."""
    _change_on_commit([PROJECT_LIST, project_key(project.slug)])


def community_changed():
    """A community's name or hashtag changed: it appears in every project's list entry and detail."""
    _change_on_commit([PROJECT_LIST, COMMUNITIES])


def everything_changed():
    """After bulk writes that bypass the services (load data): all cached responses are stale."""
    _change_on_commit([PROJECT_LIST, COMMUNITIES])
    # Details are keyed by project and by the communities' version: changing the latter reaches them all.


def current(keys):
    """The current token of each key, in order; a missing key gets a new token."""
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            # add(), not set(): a token written meanwhile (by a commit, or another process) wins.
            fresh = _new_token()
            cache.add(key, fresh, timeout=None)
            token = cache.get(key) or fresh
        tokens.append(token)
    return tokens
