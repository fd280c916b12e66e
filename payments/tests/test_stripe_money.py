"""Amounts crossing to Stripe: minor units per currency, minimum and maximum card amounts."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.currencies import Currency
from core.errors import DomainError
from payments.money import (
    CARD_MINIMUMS,
    MAX_MINOR_UNITS,
    UnsupportedCurrency,
    check_card_amount,
    from_minor_units,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("5000", "XOF", 5000),
        ("5000.00", "XOF", 5000),
        ("1", "XAF", 1),
        ("150.50", "MAD", 15050),
        ("1250.00", "MAD", 125000),
        ("0.01", "MAD", 1),
        ("10", "EUR", 1000),
        ("0.50", "eur", 50),
        ("99.99", "USD", 9999),
        ("500", "JPY", 500),
    ],
)
def test_amounts_become_stripe_minor_units(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor
    assert type(to_minor_units(Decimal(amount), currency)) is int


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [(5000, "XOF", "5000"), (15050, "MAD", "150.50"), (1, "EUR", "0.01"), (125000, "MAD", "1250.00")],
)
def test_minor_units_become_exact_decimals(minor, currency, amount):
    result = from_minor_units(minor, currency)
    assert result == Decimal(amount)
    assert str(result) == amount


def test_a_round_trip_through_minor_units_keeps_every_cent():
    for cents in range(0, 100_000, 7):
        assert to_minor_units(from_minor_units(cents, "MAD"), "MAD") == cents


def test_floats_never_cross_to_stripe():
    with pytest.raises(TypeError):
        to_minor_units(150.5, "MAD")
    with pytest.raises(TypeError):
        from_minor_units(150.5, "MAD")
    with pytest.raises(TypeError):
        from_minor_units(True, "MAD")


def test_an_amount_finer_than_the_currency_is_refused_not_rounded():
    with pytest.raises(ValueError):
        to_minor_units(Decimal("10.5"), "XOF")
    with pytest.raises(ValueError):
        to_minor_units(Decimal("1.005"), "EUR")


def test_three_decimal_and_unknown_currencies_are_refused():
    with pytest.raises(UnsupportedCurrency):
        to_minor_units(Decimal("1.000"), "KWD")
    with pytest.raises(UnsupportedCurrency):
        to_minor_units(Decimal("1"), "dirham")


def test_every_project_currency_has_a_card_minimum():
    assert set(Currency.values) <= set(CARD_MINIMUMS)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("10.00", "MAD", 1000), ("500", "XOF", 500), ("0.50", "EUR", 50), ("1", "USD", 100), ("500", "XAF", 500)],
)
def test_the_minimum_card_amount_is_accepted(amount, currency, minor):
    assert check_card_amount(Decimal(amount), currency) == minor


def test_below_the_minimum_a_card_payment_is_refused_with_a_clear_message():
    with translation.override("en"), pytest.raises(DomainError) as refused:
        check_card_amount(Decimal("9.99"), "MAD")
    assert refused.value.field == "quantity"
    assert refused.value.message == "A card payment is at least 10 MAD."
    with translation.override("en"), pytest.raises(DomainError) as refused:
        check_card_amount(Decimal("499"), "XOF")
    assert refused.value.message == "A card payment is at least 500 XOF."


def test_above_stripes_eight_digits_a_card_payment_is_refused():
    assert check_card_amount(from_minor_units(MAX_MINOR_UNITS, "MAD"), "MAD") == MAX_MINOR_UNITS
    with pytest.raises(DomainError):
        check_card_amount(Decimal("1000000.00"), "MAD")
    with pytest.raises(DomainError):
        check_card_amount(Decimal("100000000"), "XOF")


def test_a_currency_without_a_minimum_is_not_offered_by_card():
    with pytest.raises(DomainError) as refused:
        check_card_amount(Decimal("100"), "GBP")
    assert refused.value.field == "channel"
