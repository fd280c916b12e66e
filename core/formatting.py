"""Amounts and quantities as members read them, in the active language: "1 500,50 MAD",
"5 000 XOF", "200 pièces", and back from what they type. Pages (through the template filters of templatetags/tiwizi.py),
receipts, the report, feeds and the social card all print them through these functions."""

import re
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.currencies import decimal_places

# What a member may type as a number, once the spaces are taken out: ASCII digits with one
# decimal mark, "," or "." ("1500", "1500,50", "2.5", ",5"), and a sign (the services then say
# why a negative number is refused). Nothing else Python's Decimal would take: no underscore
# ("1_000"), no exponent ("1e3"), no "NaN" or "Infinity", and no digits of other scripts:
# full-width "１２" is refused, with a message of its own. Arabic-Indic digits (٠١٢…٩, and the
# Persian ۰۱۲…۹) are read as the digits they are, with the Arabic decimal mark "٫" and thousands
# mark "٬": the Arabic pages show Western digits (as Morocco writes amounts), but a phone's Arabic
# keyboard types these.
TYPED_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789, ")
# "1.250,50" as the Arabic pages print it: dots that group thousands before a decimal comma.
DOTS_THEN_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]*")


def _decimal(value):
    return Decimal(0) if value is None else Decimal(value)


def number(value):
    """Whole numbers without decimals (200 blankets, 15 000), others with two (2,50 t)."""
    value = _decimal(value)
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, places, use_l10n=True, force_grouping=True)


def exact_money(value, currency):
    """1500.5, "MAD" → "1 500,50 MAD"; 200 → "200,00 MAD": every decimal of the currency, as a
    receipt prints an amount."""
    formatted = number_format(_decimal(value), decimal_places(currency), use_l10n=True, force_grouping=True)
    return f"{formatted} {currency}"


def money(value, currency):
    """As pages read it: 1500.5, "MAD" → "1 500,50 MAD" in French; a whole amount without its
    zero decimals, 20500 → "20 500 MAD"; 5000, "XOF" → "5 000 XOF"."""
    value = _decimal(value)
    if value == value.to_integral_value():
        return f"{number_format(value, 0, use_l10n=True, force_grouping=True)} {currency}"
    return exact_money(value, currency)


def takes_singular(value):
    """Whether a quantity reads with the singular of its unit in the active language: French
    (and Arabic's two-form units) says "0 pièce", "1,5 pièce" (CLDR: one for 0 ≤ n < 2); English
    says "1 piece" and "0 pieces", "1.5 pieces" (one for exactly 1)."""
    value = _decimal(value)
    if (get_language() or "").split("-")[0] == "en":
        return value == 1
    return 0 <= value < 2


def in_unit(value, unit, plural=None):
    """A count in its unit: "200 pièces", "1 pièce", "2,50 t"; no unit, the number alone."""
    shown = unit if plural is None or takes_singular(value) else plural
    return f"{number(value)} {shown}".strip()


def quantity(value, need):
    """A need's quantity in its unit: money for cash needs, "200 pièces" for material."""
    if need.is_cash:
        return money(value, need.project.currency)
    return in_unit(value, need.unit, need.plural_unit)


class NotANumber(ValueError):
    """Why what a member typed is not read as a number; its message is for them, translated.
    `code` is "digits" for digits other than 0 to 9, else "invalid" (callers that say "enter an
    amount" in their own words keep the message about digits)."""

    def __init__(self, message, *, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def parse_typed(text):
    """What a member typed ("1 500,50", "5\u202f000", "2.5") as a finite Decimal, or NotANumber
    saying why not. Spaces of any kind group thousands; a comma is the French decimal mark, and
    dots before it group thousands ("1.250,50"); the digits 0 to 9 are read, and Arabic-Indic
    ones as the same digits (TYPED_NUMBER, ARABIC_DIGITS). A Decimal or an int (from the API, the demo) is
    taken as it is, if finite."""
    if isinstance(text, Decimal) and text.is_finite():
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        return Decimal(text)
    compact = "".join(str(text if text is not None else "").translate(ARABIC_DIGITS).split())
    if DOTS_THEN_COMMA.fullmatch(compact):
        compact = compact.replace(".", "")
    if TYPED_NUMBER.fullmatch(compact):
        return Decimal(compact.replace(",", "."))
    if any(character.isdigit() and not character.isascii() for character in compact):
        raise NotANumber(_("Type the number with the digits 0 to 9."), code="digits")
    raise NotANumber(_("Enter a number."))


def read_typed(text):
    """parse_typed, or None when the text is not a number."""
    try:
        return parse_typed(text)
    except NotANumber:
        return None


def as_typed(value):
    """A stored Decimal as a lead would type it in a form: 50000.00 → "50000", 2.50 → "2.5"."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


def percent_of(part, whole):
    """part / whole as a whole percentage for a bar's width, capped at 100."""
    if not whole:
        return 0
    return min(100, int(_decimal(part) * 100 / Decimal(whole)))


def percent(value):
    """A share for people to read, whole: "15 %" in French (with a no-break space, as French
    typography writes it), "15%" in English. Over 100 stays over 100: 120 % pledged is news."""
    shown = number_format(Decimal(int(_decimal(value))), 0, use_l10n=True, force_grouping=True)
    if (get_language() or "").split("-")[0] == "en":
        return f"{shown}%"
    return f"{shown}\u00a0%"


def bar_width(value):
    """A percentage (possibly Decimal, possibly over 100) as a CSS-safe whole number 0..100."""
    if value is None:
        return 0
    return max(0, min(100, int(Decimal(value))))
