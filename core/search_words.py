"""Words for search: a text and a query reduced to the same plain words, whatever their accents,
case or number ("Couvertures d'hiver" and "couverture" meet), the same on SQLite and PostgreSQL.

Everything happens here, in Python, on both sides (the stored words of a project and the words a
visitor types), so that the database only compares plain words with LIKE, which both engines do
alike: no database collation, unaccent extension or full-text configuration is involved.

A text becomes words in four steps:
1. fold: case folded (ß → ss), decomposed (NFKD: ﬁ → fi, m² → m2) and its combining marks dropped
   (é → e, ç → c, the Arabic short vowels), the Latin letters that do not decompose spelt out
   (œ → oe, æ → ae, ø → o, ł → l), the Arabic tatweel dropped;
2. split at anything that is not a letter or a digit (d'hiver → d, hiver; table-banc → table, banc).
   In a stored text a word written in camel case also counts its parts, so a hashtag is found
   by each of its words: InstantRésilience → instantresilience, instant, resilience;
3. stop words dropped (de, des, la, pour, the, of…: STOP_WORDS, compared before accents are
   folded, so that "thé" is kept while "the" goes);
4. each word reduced to its stem by the rules of its script: `latin_stem` for words in Latin
   letters, French and English alike (a project's texts mix them, and nothing says which
   language a word is in, so one set of rules serves both); `arabic_stem` for words in Arabic
   letters (the forms of alef and hamza, ya and ta marbuta written alike, the article and its
   prepositions, the sound plurals). Words in other scripts are kept as folded.

Why our own stemmer rather than Snowball's (snowballstemmer on PyPI): Snowball stems one known
language, and strips derivational endings too (French "couverture" and "couvert", English
"organisation" and "organ" meet), while a search box is typed in either language, often half a
word at a time: a light stemmer that only undoes plurals and the French mute e keeps a stem a
prefix of what people type, and its rules fit on a screen (latin_stem).

A stored text is its stems, each once, each preceded by a space (" couvertur piec hiver"), so that
" " + stem is matched at the start of a word (search_text, word_start): "hiver" finds #HiverAghbar,
and "ours" does not find "secours".
"""

import re
import unicodedata

from core.scripts import is_arabic

QUERY_LENGTH_MAX = 100  # what the search box takes, in characters
QUERY_WORDS_MAX = 8  # significant words of a query that count; the rest are ignored

# French and English words that say nothing of what a project is; compared lower-cased, accents kept.
STOP_WORDS = frozenset(
    {"à", "a", "au", "aux", "avec", "c", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le"}
    | {"les", "ou", "où", "par", "pour", "qu", "que", "sur", "un", "une"}
    | {"an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
)

# Letters that NFKD leaves whole, spelt as people type them without the key.
SPELT_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
TATWEEL = "\u0640"

# Combining marks a word may carry (Latin accents typed decomposed, Hebrew and Arabic vowels):
# they are not letters to the regular expression, but they do not end a word.
MARKS = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # Latin (and other) accents
    "\u0591-\u05c7"  # Hebrew points
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff"  # Arabic vowels and signs
)
WORD = re.compile(rf"[^\W_](?:[^\W_]|[{MARKS}])*")  # letters and digits in any script, with their marks

# Plurals no rule undoes, mapped to their singular (which the rules then stem like any other word).
IRREGULAR_PLURALS = {
    "travaux": "travail",
    "yeux": "oeil",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "knives": "knife",
    "shelves": "shelf",
}
# French plurals in -x, to their singular ending: seaux → seau, jeux → jeu, genoux → genou,
# tuyaux → tuyau, journaux → journal. The longest ending first.
X_PLURALS = (("eaux", "eau"), ("yaux", "yau"), ("eux", "eu"), ("oux", "ou"), ("aux", "al"))
VOWELS = frozenset("aeiouy")


def fold(text):
    """The text case folded, without accents or other combining marks: "Écoles" → "ecoles"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(SPELT_OUT))
    return "".join(char for char in decomposed if not unicodedata.combining(char) and char != TATWEEL)


def latin_stem(word):
    """A folded word in Latin letters, its plural undone and its final mute e dropped, so that the
    singular and the plural, French or English, have one stem. The rules, in order:

    0. an irregular plural becomes its singular first (IRREGULAR_PLURALS: travaux → travail);
    1. a word of three letters or fewer stays as it is (sac, lot, bus, jeu, kg);
    2. a French plural in -x takes its singular ending, and that is all: -eaux → -eau, -yaux →
       -yau, -eux → -eu, -oux → -ou, -aux → -al (seaux, tuyaux, jeux, genoux, journaux);
    3. otherwise a final -s goes, but not -ss (sacs → sac; glass stays);
    4. then a final -e goes (couverture, couvertures → couvertur; boxes → boxe → box; classe,
       classes, class → class): the English -es plural and the French mute e meet this way;
    5. then a final -y after a consonant becomes -i (battery, batteries → batteri; jury, jurys → juri).

    Rules 3 and 4 keep at least three letters (ame, ames → ame). The same word always gives the
    same stem, and most stems are the start of their word, so a half-typed word still finds it.
    """
    word = IRREGULAR_PLURALS.get(word, word)
    if len(word) <= 3:
        return word
    for plural, singular in X_PLURALS:
        if word.endswith(plural):
            return word[: -len(plural)] + singular
    if word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if word.endswith("y") and len(word) > 3 and word[-2] not in VOWELS:
        word = word[:-1] + "i"
    return word


# Arabic letters written alike by people typing on a phone: alef maqsura as ya, ta marbuta as ha,
# alef wasla as alef (folding already made أ إ آ plain alef: NFKD splits off their hamza).
ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ٱ": "ا"})
# The article, alone or after a one-letter preposition or conjunction (و ب ك ف ل), longest first.
ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
# Sound plurals (feminine -ات, masculine -ون / -ين) and the dual's -ان are not undone: -ين and -ان
# end too many singular words; -ات and -ون are kept from words of at least five letters.
ARABIC_PLURALS = ("ات", "ون")
ARABIC_STEM_MIN = 3


def arabic_stem(word):
    """A folded word in Arabic letters reduced so that its spellings meet: "المدرسة", "مدرسة" and
    "للمدرسة" → "مدرسه"; "مشروعات" → "مشروع". Light on purpose, like latin_stem: a stem stays the
    start of its word, so that a half-typed word still finds it, and a root is never guessed."""
    word = word.translate(ARABIC_LETTERS)
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= ARABIC_STEM_MIN:
            word = word[len(prefix) :]
            break
    for plural in ARABIC_PLURALS:
        if word.endswith(plural) and len(word) - len(plural) >= ARABIC_STEM_MIN:
            return word[: -len(plural)]
    return word


def stem(word):
    """The stem of a folded word, by the rules of its script (see the module's docstring)."""
    if word.isascii() and word.isalpha():
        return latin_stem(word)
    if is_arabic(word):
        return arabic_stem(word)
    return word  # digits, and scripts without rules


def _stems(raw_words):
    """The stems of the significant words, each once, in order."""
    stems = {}
    for raw in raw_words:
        lowered = raw.casefold()
        if lowered in STOP_WORDS:
            continue
        for folded in WORD.findall(fold(lowered)):  # folding may split a word (½ → 1⁄2)
            stems.setdefault(stem(folded), None)
    return list(stems)


def _camel_parts(word):
    """The parts of a camel-case word (HiverAghbar → Hiver, Aghbar), or none: a part starts at a
    capital that follows a small letter."""
    parts, start = [], 0
    for index in range(1, len(word)):
        if word[index].isupper() and word[index - 1].islower():
            parts.append(word[start:index])
            start = index
    return [*parts, word[start:]] if parts else []


def search_text(*texts):
    """The stored form of texts: the stems of their words and of camel-case words' parts, each
    once, each preceded by a space. Empty when they have no significant word."""
    words = []
    for text in texts:
        for word in WORD.findall(unicodedata.normalize("NFC", text or "")):
            words += [word, *_camel_parts(word)]
    stems = _stems(words)
    return "".join(f" {stem}" for stem in stems)


def query_stems(query):
    """The stems of a query's significant words, at most QUERY_WORDS_MAX of them (the first ones),
    each once: a project matches when its stored text has a word starting with each of them."""
    query = unicodedata.normalize("NFC", (query or "")[:QUERY_LENGTH_MAX])
    return _stems(WORD.findall(query))[:QUERY_WORDS_MAX]


def word_start(stem):
    """What a stored text (search_text) contains when one of its words starts with `stem`."""
    return f" {stem}"
