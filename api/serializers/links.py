"""The addresses a response carries: of API endpoints, of the site's pages and of stored files.

Absolute when the serializer has the request (every API response does); the path alone without
one.
"""

from django.urls import reverse


def absolute_url(request, path):
    return request.build_absolute_uri(path) if request is not None else path


def api_url(request, name, **kwargs):
    """The address of one of the API's endpoints, by its URL name."""
    return absolute_url(request, reverse(f"api:{name}", kwargs=kwargs))


def file_url(request, file):
    """A stored file's address, or None when there is no file."""
    if not file:
        return None
    return absolute_url(request, file.url)
