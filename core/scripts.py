"""Which script a text is written in, by Unicode's own tables: one place for the questions that
search, places, units and the PDFs' direction ask of a word."""

import unicodedata


def has_right_to_left_letters(text):
    """Whether the text holds a letter written right to left (Arabic, Hebrew…)."""
    return any(unicodedata.bidirectional(character) in ("R", "AL") for character in text or "")


def is_latin(word):
    """Whether a word is written in Latin letters, accented or not ("pièce", "sac"), not "كيس"."""
    return all(unicodedata.name(character, "").startswith("LATIN") for character in word)


def is_arabic(word):
    """Whether every character of the word is of the Arabic blocks (letters, marks, digits)."""
    return all("\u0600" <= character <= "\u06ff" or "\u0750" <= character <= "\u077f" for character in word)
