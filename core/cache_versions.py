"""Versions of what public reads show, changed after every commit that changes them.

The API keeps rendered public responses (project lists, project details) in the shared cache
under keys that carry these versions (api/response_cache.py), and so do the public pages
(core/page_cache.py). A service that changes what they show calls `project_changed` (or
`community_changed`, `community_members_changed`) inside its transaction; the new version is
written only once the transaction commits. A reader reads the versions first, then the rows: it
either sees the new version and committed rows, or the old version and an entry that was right
for it. So a cached response is never older than the last commit that changed it.

A version is a fresh random token, never a counter: if the cache loses a version key, the next
token cannot bring old entries back.

Lists have versions of their own, so that a pledge on one project leaves the pages that cannot
show it cached: PROJECT_LIST for every list that any project may appear on (the API's lists, the
unfiltered or searched home list), a community's key for its page, its feed and the home list
filtered on it, a key per value of a filterable field (country, category, status) for the home
list filtered on that value. A project changes its own key, PROJECT_LIST and the keys of the
lists it is on, before and after the change. Every page and response also carries COMMUNITIES
(community names show nearly everywhere), so `everything_changed` reaches them all.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

PROJECT_LIST = "tiwizi:version:projects"
COMMUNITIES = "tiwizi:version:communities"

# The project fields a home list may be filtered on by value (pages/forms.py ProjectFilterForm),
# besides the community; free-text filters (search, region, item) use PROJECT_LIST.
LIST_FIELDS = ("country", "category", "status")


def project_key(slug):
    return f"tiwizi:version:project:{slug}"


def project_content_key(slug):
    """What a project's page shows besides its progress: its description, leads, milestones,
    timeline, expenses. The page's frame is kept under it (core/page_cache.py, live parts), so
    that a pledge re-renders only the parts that show progress."""
    return f"tiwizi:version:project-content:{slug}"


def community_key(slug):
    """A community's page and feed, and the home list filtered on that community."""
    return f"tiwizi:version:community:{slug}"


def list_key(field, value):
    """The home list filtered on one value of a field of LIST_FIELDS (country codes in capitals,
    as the list's filter compares them without regard to case)."""
    value = str(value)
    return f"tiwizi:version:list:{field}:{value.upper() if field == 'country' else value}"


def lists_of(project):
    """The keys of the lists the project is on as it is now: its community's, its field values'.

    Read it before an edit that may move the project to other lists (its country, category or
    status) and give it to `project_changed(..., was_on=...)`: the lists it leaves change too.
    Reads the project's community (a query unless it was loaded with it).
    """
    return {community_key(project.community.slug), *(list_key(field, getattr(project, field)) for field in LIST_FIELDS)}


def _new_token():
    return uuid.uuid4().hex


def _change(keys):
    cache.set_many({key: _new_token() for key in keys}, timeout=None)


def _change_on_commit(keys):
    transaction.on_commit(lambda: _change(keys))


def project_changed(project, *, was_on=()):
    """The project, its needs or their progress changed: its detail, the lists it is on (and those
    of `was_on`, from `lists_of` before the change) and the unfiltered lists are stale; another
    project's page, another community's page and lists filtered on other values are not."""
    _project_keys_change({PROJECT_LIST, project_key(project.slug), project_content_key(project.slug), *was_on}, project)


def progress_changed(project):
    """Only the project's progress changed (a pledge, a cancellation, a reception, a card payment
    or refund): as `project_changed`, except that the frame of its page stays (its description,
    milestones, timeline). A write that also adds a line to the timeline (a threshold reached)
    calls `project_changed` too."""
    _project_keys_change({PROJECT_LIST, project_key(project.slug)}, project)


def _project_keys_change(keys, project):
    # Its lists are read once the transaction has committed: when the service did not load the
    # project's community, reading its slug costs a query then, outside the transaction's locks.
    transaction.on_commit(lambda: _change(keys | lists_of(project)))


def community_changed():
    """A community's name, hashtag, description or moderators changed, or a community was created
    (the home list's filter offers every community): it appears in every project's list entry
    and detail, and on every page."""
    _change_on_commit([PROJECT_LIST, COMMUNITIES])


def community_members_changed(community):
    """Members joined or left the community, or its moderators changed: its page shows both."""
    _change_on_commit([community_key(community.slug)])


def everything_changed():
    """After bulk writes that bypass the services (load data): all cached responses are stale."""
    _change_on_commit([PROJECT_LIST, COMMUNITIES])
    # Every cached page and response carries the communities' version: changing it reaches them all.


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
