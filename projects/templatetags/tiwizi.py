"""Display helpers for templates: quantities in their unit, percentages for bars."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from projects.currencies import decimal_places

register = template.Library()


def _places_for(value):
    """Whole numbers without decimals (200 blankets), others with two (2.50 t)."""
    return 0 if value == value.to_integral_value() else 2


@register.filter
def money(value, currency):
    """1500.5, "MAD" → "1 500,50 MAD" in French; 5000, "XOF" → "5 000 XOF"."""
    if value is None:
        value = Decimal(0)
    return f"{number_format(Decimal(value), decimal_places(currency), use_l10n=True, force_grouping=True)} {currency}"


@register.filter
def quantity(value, need):
    """A need's quantity in its unit: money for cash needs, "200 pièce" for material."""
    if value is None:
        value = Decimal(0)
    value = Decimal(value)
    if need.is_cash:
        return money(value, need.project.currency)
    formatted = number_format(value, _places_for(value), use_l10n=True, force_grouping=True)
    return f"{formatted} {need.unit}".strip()


@register.filter
def percent_of(part, whole):
    """part / whole as a whole percentage for a bar's width, capped at 100."""
    if not whole:
        return 0
    return min(100, int(Decimal(part or 0) * 100 / Decimal(whole)))


@register.filter
def bar_width(value):
    """A percentage (possibly Decimal, possibly over 100) as a CSS-safe whole number 0..100."""
    if value is None:
        return 0
    return max(0, min(100, int(Decimal(value))))
