"""Amounts and quantities as members read them, in the active language: "1 500,50 MAD",
"5 000 XOF", "200 pièce", and back from what they type. Pages (through the template filters of templatetags/tiwizi.py),
receipts, the report, feeds and the social card all print them through these functions."""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format

from core.currencies import decimal_places


def _decimal(value):
    return Decimal(0) if value is None else Decimal(value)


def number(value):
    """Whole numbers without decimals (200 blankets, 15 000), others with two (2,50 t)."""
    value = _decimal(value)
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, places, use_l10n=True, force_grouping=True)


def money(value, currency):
    """1500.5, "MAD" → "1 500,50 MAD" in French; 5000, "XOF" → "5 000 XOF"."""
    formatted = number_format(_decimal(value), decimal_places(currency), use_l10n=True, force_grouping=True)
    return f"{formatted} {currency}"


def in_unit(value, unit):
    """A count in its unit: "200 pièce", "2,50 t"; no unit, the number alone."""
    return f"{number(value)} {unit}".strip()


def quantity(value, need):
    """A need's quantity in its unit: money for cash needs, "200 pièce" for material."""
    if need.is_cash:
        return money(value, need.project.currency)
    return in_unit(value, need.unit)


def read_typed(text):
    """What a member typed ("1 500,50", "5\u202f000", "2.5") as a finite Decimal, or None when it
    is not a number. Spaces of any kind group thousands; a comma is the French decimal mark."""
    try:
        number = Decimal("".join(str(text).split()).replace(",", "."))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


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


def bar_width(value):
    """A percentage (possibly Decimal, possibly over 100) as a CSS-safe whole number 0..100."""
    if value is None:
        return 0
    return max(0, min(100, int(Decimal(value))))
