"""Amounts in words, as receipts print them: "mille deux cent cinquante dirhams et cinquante centimes",
"ألف ومئتان وخمسون درهمًا وخمسون سنتيمًا".

num2words spells the numbers; it knows neither the dirham nor the CFA franc, so the currency
words are ours. They sit here, per language, with the grammar that goes with them (French says
"un million d'euros", Arabic counts nouns in four forms), rather than in the message catalogue: a
translator cannot get the agreement of "dirham" with the number right from a msgid.
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

# Arabic: each noun in the four forms a count asks for (see _arabic_with_unit): singular, dual,
# plural (3 to 10), and singular accusative (11 to 99). All these nouns are masculine, which is
# what num2words' numbers agree with. The euro is invariable in use but for its dual.
ARABIC_CURRENCY_WORDS = {
    "EUR": (("يورو", "يوروان", "يورو", "يورو"), ("سنت", "سنتان", "سنتات", "سنتًا")),
    "MAD": (("درهم", "درهمان", "دراهم", "درهمًا"), ("سنتيم", "سنتيمان", "سنتيمات", "سنتيمًا")),
    "XOF": (("فرنك إفريقي", "فرنكان إفريقيان", "فرنكات إفريقية", "فرنكًا إفريقيًا"), None),
    "XAF": (("فرنك إفريقي", "فرنكان إفريقيان", "فرنكات إفريقية", "فرنكًا إفريقيًا"), None),
    "USD": (("دولار", "دولاران", "دولارات", "دولارًا"), ("سنت", "سنتان", "سنتات", "سنتًا")),
}
ARABIC_ONE = "واحد"


def _language(language):
    language = (language or "en").split("-")[0].lower()
    return language if language in CURRENCY_WORDS or language == "ar" else "en"


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


def _arabic_number(number):
    # num2words writes "و" apart ("ألف و مئتان"); Arabic writes the conjunction joined to the next word.
    return num2words(number, lang="ar").replace(" و ", " و")


def _arabic_with_unit(number, forms):
    """A count of a noun as Arabic grammar has it: the noun after the number, in the form the
    number's last two digits ask for. 1: "درهم واحد" (the noun, then "one"); 2: the dual alone,
    "درهمان"; 3 to 10: the plural, "ثلاثة دراهم"; 11 to 99: the singular accusative, "خمسون درهمًا";
    a round hundred, thousand… (and 0, 101, 102): the singular, "مئتا درهم", "ألف درهم"."""
    singular, dual, plural, accusative = forms
    if number == 1:
        return f"{singular} {ARABIC_ONE}"
    if number == 2:
        return dual
    rest = number % 100
    if 3 <= rest <= 10:
        noun = plural
    elif 11 <= rest <= 99:
        noun = accusative
    else:
        noun = singular
    return f"{_arabic_number(number)} {noun}"


def _arabic_amount(units, cents, currency):
    words = ARABIC_CURRENCY_WORDS.get(currency)
    if words is None:
        return f"{_arabic_number(units)} {currency}"
    unit_forms, hundredth_forms = words
    spelled = _arabic_with_unit(units, unit_forms)
    if cents and hundredth_forms:
        spelled += f" و{_arabic_with_unit(cents, hundredth_forms)}"
    return spelled


def amount_in_words(amount, currency, language):
    """A Decimal amount of a currency, spelled out in `language` (French, English or Arabic;
    English for any other until it has its words). Rounded to the currency's smallest unit."""
    language = _language(language)
    places = decimal_places(currency)
    amount = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    units = int(amount)
    cents = int((amount - units) * 100) if places else 0
    if language == "ar":
        return _arabic_amount(units, cents, currency)
    words = CURRENCY_WORDS[language].get(currency)
    if words is None:
        # A currency we have no words for yet: the number in words, then its code.
        return f"{num2words(amount, lang=language)} {currency}"
    one, many, hundredth, hundredths = words
    spelled = _with_unit(units, one, many, language)
    if cents and hundredth:
        spelled += f" {AND[language]} {_with_unit(cents, hundredth, hundredths, language)}"
    return spelled
