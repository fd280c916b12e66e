"""How a number a member typed is read (core/formatting.parse_typed): ASCII digits, "," or "." for
decimals, spaces of any kind between thousands, Arabic-Indic digits as the same digits; nothing
else Python's Decimal would take."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.formatting import NotANumber, parse_typed, read_typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" 12 ", Decimal("12")),
        ("1 500,50", Decimal("1500.50")),
        ("12.5", Decimal("12.5")),
        ("12,5", Decimal("12.5")),
        ("5\u202f000", Decimal("5000")),  # narrow no-break space, as numbers are printed in French
        ("5\u00a0000,25", Decimal("5000.25")),  # no-break space
        (",5", Decimal("0.5")),
        ("-3", Decimal("-3")),  # read; the services say why it is refused
        (Decimal("2.50"), Decimal("2.50")),
        (7, Decimal("7")),
        # An Arabic phone keyboard's digits, and Arabic marks; the dots of "1.250,50" (the Arabic
        # pages' grouping) before a decimal comma.
        ("٣", Decimal("3")),
        ("۳", Decimal("3")),
        ("1٢", Decimal("12")),
        ("١٬٥٠٠٫٥", Decimal("1500.5")),
        ("1.250,50", Decimal("1250.50")),
        ("12.500.000,5", Decimal("12500000.5")),
    ],
)
def test_numbers_as_members_type_them_are_read(typed, expected):
    assert parse_typed(typed) == expected
    assert read_typed(typed) == expected


@pytest.mark.parametrize("typed", ["１２", "१२", "১২", "1१"])
def test_digits_of_other_scripts_are_refused_with_a_message_saying_which_digits(typed):
    with translation.override("en"), pytest.raises(NotANumber) as refused:
        parse_typed(typed)

    assert refused.value.code == "digits"
    assert str(refused.value.message) == "Type the number with the digits 0 to 9."
    assert read_typed(typed) is None


@pytest.mark.parametrize(
    "typed", ["1_000", "1e3", "NaN", "Infinity", "-inf", "0x10", "1,000.50", "12..5", "1.2.3", "", None, "abc", "+"]
)
def test_what_python_reads_but_nobody_types_is_refused(typed):
    with translation.override("en"), pytest.raises(NotANumber) as refused:
        parse_typed(typed)

    assert refused.value.code == "invalid"
    assert str(refused.value.message) == "Enter a number."
    assert read_typed(typed) is None


def test_a_bool_is_not_a_number():
    assert read_typed(True) is None
    assert read_typed(Decimal("NaN")) is None
