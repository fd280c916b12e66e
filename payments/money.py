"""The one crossing between our amounts and Stripe's: Decimal in the project's currency on our
side, an integer count of the currency's minor unit on Stripe's.

Stripe counts most currencies in hundredths (150.50 MAD is `15050`) and a fixed list of
"zero-decimal" currencies in whole units (5 000 XOF is `5000`, never `500000`). Getting this
wrong charges a donor a hundred times too much or too little, so every amount sent to or read
from Stripe goes through `to_minor_units` / `from_minor_units`, and nothing here ever touches a
float.

Minimum charges. Stripe refuses a charge below a minimum set in the account's *settlement*
currency (EUR 0.50 for a euro account, USD 0.50 for a dollar one); an amount in another
currency must convert to at least that on the day. We assume the account settles in EUR and
keep a per-currency table with a margin, so the refusal comes from us, with a clear message,
before the donor ever reaches Stripe:
- EUR 0.50: Stripe's published minimum for EUR ("Minimum and maximum charge amounts",
  docs.stripe.com/currencies).
- XOF and XAF 500: both are pegged to the euro (655.957 per EUR, fixed by treaty), so EUR 0.50
  is 328; 500 (≈ EUR 0.76) leaves room for Stripe's conversion spread.
- MAD 10.00: the dirham floats in a band (≈ 10.5–11.2 per EUR in recent years); EUR 0.50 is
  about 5.50 MAD, 10.00 (≈ EUR 0.90) stays above it if the rate moves a lot.
- USD 1.00: EUR 0.50 is about USD 0.55; 1.00 leaves the margin.
An account settling in another currency may need other figures: change this table.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.formatting import money

# Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# Stripe counts these in thousandths with rules of their own; none is a currency of ours, so
# they are refused rather than guessed.
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# The smallest card payment we send to Stripe, per project currency (see the module docstring).
SETTLEMENT_CURRENCY = "EUR"
CARD_MINIMUMS = {
    "EUR": Decimal("0.50"),
    "USD": Decimal("1.00"),
    "MAD": Decimal("10.00"),
    "XOF": Decimal("500"),
    "XAF": Decimal("500"),
}
# Stripe's amount field holds at most eight digits (99 999 999 in minor units).
MAX_MINOR_UNITS = 99_999_999


class UnsupportedCurrency(ValueError):
    pass


def _exponent(currency):
    currency = (currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise UnsupportedCurrency(f"not a currency code: {currency!r}")
    if currency in THREE_DECIMAL_CURRENCIES:
        raise UnsupportedCurrency(f"{currency} has three decimals at Stripe; Tiwizi does not collect in it")
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def to_minor_units(amount, currency):
    """Decimal("150.50"), "MAD" → 15050; Decimal("5000"), "XOF" → 5000.

    Refuses floats (they cannot hold 0.1 exactly) and amounts finer than the currency's minor
    unit (10.5 XOF, 1.005 EUR): rounding a donor's amount silently is never right.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts are Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    minor = amount.scaleb(_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} is finer than the currency's smallest unit")
    return int(minor)


def from_minor_units(minor, currency):
    """15050, "MAD" → Decimal("150.50"); 5000, "XOF" → Decimal("5000")."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor units are an int, not {type(minor).__name__}")
    exponent = _exponent(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def card_minimum(currency):
    return CARD_MINIMUMS.get((currency or "").upper())


def check_card_amount(amount, currency, *, field="quantity"):
    """The amount in minor units when a card payment of it can be made, else a DomainError
    saying why (currency not taken by card, below the minimum, above the maximum)."""
    minimum = card_minimum(currency)
    if minimum is None:
        raise DomainError(
            _("Card payments are not available in %(currency)s.") % {"currency": currency}, field="channel"
        )
    if amount < minimum:
        raise DomainError(
            _("A card payment is at least %(minimum)s.") % {"minimum": money(minimum, currency)}, field=field
        )
    try:
        minor = to_minor_units(amount, currency)
    except ValueError:
        raise DomainError(_("This amount cannot be paid by card in %(currency)s.") % {"currency": currency}) from None
    if minor > MAX_MINOR_UNITS:
        raise DomainError(
            _("This is more than one card payment can carry: split it, or choose a bank transfer."), field=field
        )
    return minor
