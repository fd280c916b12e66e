"""The currencies a project can collect in, and how many decimals each one has.

XOF and XAF have no minor unit in practice (a 5 000 XOF gift is 5000, never 5000.50);
MAD and EUR have two. Amounts are Decimal everywhere, never float.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    MAD = "MAD", _("Moroccan dirham (MAD)")
    XOF = "XOF", _("West African CFA franc (XOF)")
    XAF = "XAF", _("Central African CFA franc (XAF)")
    EUR = "EUR", _("Euro (EUR)")
    USD = "USD", _("US dollar (USD)")


ZERO_DECIMAL_CURRENCIES = frozenset({"XOF", "XAF"})


def decimal_places(currency):
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
