"""Display filters for templates: quantities in their unit, percentages for bars (core/formatting.py),
and the direction of text in the PDFs (left_to_right, in_own_direction, direction_of)."""

import unicodedata

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_bidi

from core import formatting
from core.scripts import has_right_to_left_letters

register = template.Library()

register.filter("money", formatting.money)
register.filter("quantity", formatting.quantity)
register.filter("percent_of", formatting.percent_of)
register.filter("bar_width", formatting.bar_width)
register.filter("percent", formatting.percent)

# WeasyPrint lays each inline box out in the base direction of its `direction`, and has neither
# `unicode-bidi` nor dir="auto" (../shared/FINDINGS.md, measured): inside Arabic text
# "1 250,00 MAD" prints "MAD 250,00 1", "12 rue de la République" prints "rue de la République 12"
# and "@donatrice" prints "donatrice@", unless the text is a span of its own direction. Browsers
# have <bdi> for this; these filters are for the PDFs.
BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))


@register.filter
def direction_of(text):
    """The direction of the first letter that has one, "ltr" or "rtl" (as dir="auto" finds it), or
    "": for the dir attribute of a block of text people wrote (a project's story)."""
    for character in str(text or ""):
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def _in_direction(value, direction, autoescape):
    escaped = conditional_escape(value) if autoescape else value
    return mark_safe(f'<span dir="{direction}">{escaped}</span>')


@register.filter(needs_autoescape=True)
def left_to_right(value, autoescape=True):
    """An amount, a quantity with its unit, a number, a date in figures, a receipt number, a URL, a
    handle: read left to right in any language. In a right-to-left language, an `<span dir="ltr">`
    of its own, with the bidi marks it may hold left out (Django's Arabic SHORT_DATE_FORMAT has
    some, to lay a date out right to left); in any other, the value as it is. A value with Arabic
    letters in it (a quantity in an Arabic unit, "20 كيس"; a date with its month's name) is Arabic
    text, read right to left, and left as it is too."""
    if value in (None, ""):
        return ""
    text = str(value).translate(BIDI_MARKS)
    if not get_language_bidi() or has_right_to_left_letters(text):
        return conditional_escape(value) if autoescape else value
    return _in_direction(text, "ltr", autoescape)


@register.filter(needs_autoescape=True)
def in_own_direction(value, autoescape=True):
    """Text people typed (a name, an address, a project's title), in the direction of its first
    letter: a span of that direction when it differs from the active language's (a French address
    on an Arabic receipt, an Arabic title in a French report), else the text as it is."""
    if value in (None, ""):
        return ""
    direction = direction_of(value)
    if not direction or direction == ("rtl" if get_language_bidi() else "ltr"):
        return conditional_escape(value) if autoescape else value
    return _in_direction(value, direction, autoescape)
