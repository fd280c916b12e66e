"""How the API reads the numbers it is sent: JSON numbers, or strings of the digits 0 to 9 with
"." for decimals ("1500.50", " 12 "). DRF's own fields take whatever Python's Decimal and int
take, and those read "１２" (full-width), "٣" (Arabic-Indic) and "1_000" as numbers; these refuse
them, with a message that says what to send. The pages read what members type in their own way
("1 500,50": core/formatting.parse_typed); the API is for programs and takes one notation only.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def _check_text(field, data, pattern):
    """Fails the field unless `data`, when a string, is a plain number (surrounding spaces allowed)."""
    if isinstance(data, bool):
        field.fail("invalid")
    if isinstance(data, str) and not pattern.fullmatch(data.strip()):
        if any(character.isdigit() and not character.isascii() for character in data):
            field.fail("digits")
        field.fail("notation")


class DecimalNumberField(serializers.DecimalField):
    default_error_messages = {
        "digits": _("Write the number with the digits 0 to 9."),
        "notation": _('Write the number with the digits 0 to 9 and a "." for decimals, e.g. 1500.50.'),
    }

    def to_internal_value(self, data):
        _check_text(self, data, DECIMAL_TEXT)
        return super().to_internal_value(data)


class IntegerNumberField(serializers.IntegerField):
    default_error_messages = {
        "digits": _("Write the number with the digits 0 to 9."),
        "notation": _("Write a whole number with the digits 0 to 9, e.g. 12."),
    }

    def to_internal_value(self, data):
        _check_text(self, data, INTEGER_TEXT)
        return super().to_internal_value(data)
