"""Amounts in words, as receipts print them: "mille deux cent cinquante dirhams et cinquante centimes".

num2words spells the numbers; it knows neither the dirham nor the CFA franc, so the currency
words are ours. They sit here, per language, with the grammar that goes with them (French says
"un million d'euros"), rather than in the message catalogue: a translator cannot get the
agreement of "dirham" with the number right from a msgid.
"""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

from core.currencies import decimal_places

# currency: (one, many, one hundredth, many hundredths); zero-decimal currencies have no hundredths.
CURRENCY_WORDS = {
    "fr": {
        "EUR": ("euro", "euros", "centime", "centimes"),
        "MAD": ("dirham", "dirhams", "centime", "centimes"),
        "XOF": ("franc CFA", "francs CFA", None, None),
        "XAF": ("franc CFA", "francs CFA", None, None),
        "USD": ("dollar", "dollars", "cent", "cents"),
    },
    "en": {
        "EUR": ("euro", "euros", "cent", "cents"),
        "MAD": ("dirham", "dirhams", "centime", "centimes"),
        "XOF": ("CFA franc", "CFA francs", None, None),
        "XAF": ("CFA franc", "CFA francs", None, None),
        "USD": ("dollar", "dollars", "cent", "cents"),
    },
}
AND = {"fr": "et", "en": "and"}


def _language(language):
    language = (language or "en").split("-")[0].lower()
    return language if language in CURRENCY_WORDS else "en"


def _is_singular(number, language):
    # French: "zéro euro", "un euro"; English: "one euro", "zero euros".
    return number in (0, 1) if language == "fr" else number == 1


def _with_unit(number, one, many, language):
    words = num2words(number, lang=language)
    unit = one if _is_singular(number, language) else many
    if language == "fr" and words.split()[-1] in ("million", "millions", "milliard", "milliards"):
        # "un million d'euros", "deux milliards de francs CFA"
        return f"{words} d'{unit}" if unit[0] in "aeiouyéè" else f"{words} de {unit}"
    return f"{words} {unit}"


def amount_in_words(amount, currency, language):
    """A Decimal amount of a currency, spelled out in `language` (French or English; English for
    any other until it has its words). Rounded to the currency's smallest unit."""
    language = _language(language)
    places = decimal_places(currency)
    amount = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    words = CURRENCY_WORDS[language].get(currency)
    if words is None:
        # A currency we have no words for yet: the number in words, then its code.
        return f"{num2words(amount, lang=language)} {currency}"
    one, many, hundredth, hundredths = words
    units = int(amount)
    cents = int((amount - units) * 100) if places else 0
    spelled = _with_unit(units, one, many, language)
    if cents and hundredth:
        spelled += f" {AND[language]} {_with_unit(cents, hundredth, hundredths, language)}"
    return spelled
