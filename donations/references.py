"""A pledge's reference: what a donor quotes on a bank transfer or a mobile-money payment, and what
a lead types into the dashboard's search to find the pledge, e.g. ``TWZ-7F3K9QX``.

It is computed from the pledge's id, so it is unique by construction, costs no column, no
migration of the existing pledges and no retry on a collision (random codes of this length would
collide among the 300 000 pledges of the generated data). The id goes through a fixed
permutation first, so that consecutive pledges do not get neighbouring references: a typo then
lands on no pledge rather than on the one next to it. The permutation hides nothing: the
reference is not a secret, and every page that finds a pledge by it checks who is asking.

Six characters from an alphabet without 0/O, 1/I/L and U (read aloud, hand-written or printed on
a statement, none can be taken for another) cover 729 million pledges, then one check character
catches a mistyped character or a swap of two neighbours (measured: all but 1 in 400 to 600 of
them). A SEPA transfer's remittance field takes 140 characters; this reference has 11.
"""

import re

PREFIX = "TWZ"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)  # 30
DIGITS = 6
SPACE = BASE**DIGITS  # 729 000 000 pledges
# Any multiplier coprime with SPACE (no factor 2, 3 or 5) makes a permutation: a prime.
MULTIPLIER = 402_653_189
OFFSET = 104_729
INVERSE = pow(MULTIPLIER, -1, SPACE)

_VALUE = {character: value for value, character in enumerate(ALPHABET)}


def _check_character(digits):
    # Weighted sum modulo 31, a prime larger than the alphabet: every single substitution and
    # every swap of two neighbours changes the sum. Only a change between sums 30 and 0 goes
    # unseen (both print as the first character), and the decoded id must still exist.
    total = sum((position + 1) * _VALUE[character] for position, character in enumerate(digits))
    return ALPHABET[(total % 31) % BASE]


def reference_for(pledge_id):
    """The reference of the pledge with this id."""
    if not 0 < pledge_id < SPACE:
        raise ValueError("pledge id out of the references' range")
    number = (pledge_id * MULTIPLIER + OFFSET) % SPACE
    digits = []
    for _ in range(DIGITS):
        number, remainder = divmod(number, BASE)
        digits.append(ALPHABET[remainder])
    code = "".join(reversed(digits))
    return f"{PREFIX}-{code}{_check_character(code)}"


def pledge_id_from(text):
    """The id a reference stands for, or None when the text is not a well-formed reference.

    Forgiving about what people type: case, spaces, dashes and the prefix may vary ("twz 7f3k 9qx",
    "7F3K9QX")."""
    if not text:
        return None
    cleaned = re.sub(r"[\s\-_.]", "", str(text).upper()[:40])
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    if len(cleaned) != DIGITS + 1 or any(character not in _VALUE for character in cleaned):
        return None
    code, check = cleaned[:DIGITS], cleaned[DIGITS:]
    if _check_character(code) != check:
        return None
    number = 0
    for character in code:
        number = number * BASE + _VALUE[character]
    pledge_id = ((number - OFFSET) * INVERSE) % SPACE
    return pledge_id or None


def looks_like_reference(text):
    return pledge_id_from(text) is not None
