"""Display filters for templates: quantities in their unit, percentages for bars (core/formatting.py)."""

from django import template

from core import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("quantity", formatting.quantity)
register.filter("percent_of", formatting.percent_of)
register.filter("bar_width", formatting.bar_width)
register.filter("percent", formatting.percent)
