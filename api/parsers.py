"""The API's one body parser: JSON within bounds (core/json_input.py), or a 400 in the API's error
shape; never a server error, never a NUL character or a 3 000-level nesting handed to a
serializer or the database. (The body's size is bounded before, by Django's
DATA_UPLOAD_MAX_MEMORY_SIZE: DRF reads a JSON body through request.body.)"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from core import json_input


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json_input.parse(stream.read().decode(encoding))
        except UnicodeDecodeError:
            raise exceptions.ParseError(
                _("The request's body is not text in %(encoding)s.") % {"encoding": encoding}
            ) from None
        except json_input.InvalidJSON as error:
            raise exceptions.ParseError(str(error)) from None
