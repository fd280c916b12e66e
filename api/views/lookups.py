"""From a URL's id or slug to a row, or a 404. Projects the viewer may not see are 404 as on the
pages (projects/page_access.py: that a project exists is none of their business)."""

from django.http import Http404

from api.filters import MAX_ID

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
ID_PATTERN = r"[0-9]+"


def as_id(value):
    """A URL's id as an int, or 404 (ids beyond the database's range included)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number
