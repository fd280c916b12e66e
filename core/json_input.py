"""JSON from outside (API bodies, Stripe's webhooks), parsed within bounds or refused.

Python's json module has three ways of turning a hostile body into a server error, and this
module closes each before anything is stored or looked up:
- Depth: the C decoder recurses once per nested array or object, so 3 000 `[` raise
  RecursionError (not a ValueError). The depth is measured first, by scanning the brackets
  outside strings (no recursion, one regular expression), so a deep body never reaches the
  decoder; RecursionError is still caught in case the interpreter's limit is ever lower.
- NUL characters (`\\u0000`) in a string or a key: PostgreSQL refuses them in a query and in a
  jsonb value. Nothing we take holds one.
- Numbers outside float range (`1e999` is read as infinity) and `NaN` / `Infinity`, which are not
  JSON and which PostgreSQL's jsonb refuses.

`parse` raises InvalidJSON (a ValueError) with a message for the member, in their language.
"""

import json
import math
import re

from django.utils.translation import gettext as _

# Our bodies are flat objects (an API write) or Stripe's events (five levels or so): 32 is far
# more than either needs and far below what the decoder survives.
MAX_DEPTH = 32

# A JSON string (escapes included), or one bracket. Strings are matched whole so that brackets
# inside them are not counted.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class InvalidJSON(ValueError):
    """A body that is not JSON we take; str() is the member's message."""


def depth_of(text):
    """How deeply arrays and objects nest in `text`, without parsing it."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name):
    raise InvalidJSON(_("%(name)s is not a JSON number.") % {"name": name})


def _check_values(value):
    """Refuse NUL characters in strings and keys, and infinite numbers; iterative, as the depth is
    already bounded but need not cost the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidJSON(_("A NUL character (\\u0000) is not allowed in the request's data."))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidJSON(_("A number in the request's data is too large."))
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def parse(text, *, max_depth=MAX_DEPTH):
    """The value of the JSON `text` (str), or InvalidJSON: not JSON, nested deeper than
    `max_depth`, holding a NUL character, or a number beyond float range."""
    if depth_of(text) > max_depth:
        raise InvalidJSON(_("The request's data nests more than %(depth)s levels deep.") % {"depth": max_depth})
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidJSON(
            _("The request's data nests more than %(depth)s levels deep.") % {"depth": max_depth}
        ) from None
    except InvalidJSON:
        raise
    except ValueError as error:
        raise InvalidJSON(_("The request's data is not valid JSON (%(error)s).") % {"error": error}) from None
    _check_values(value)
    return value
