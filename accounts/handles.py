"""How handles are compared: on a confusable skeleton, so that a look-alike of a member's handle,
of a reserved handle or of the site's staff is refused.

Unicode Technical Standard #39 (section 4, "Confusable Detection") defines skeleton(X): each
character replaced by its prototype from confusables.txt (between two NFD normalisations); two
strings are confusable when their skeletons are equal. Handles are ASCII letters, digits and "_"
(accounts.models.HANDLE_PATTERN), so normalisation changes nothing and only the table's lines
for those characters matter: `confusables_handles.txt`, copied from Unicode's file, says
1 → l, I → l, 0 → O, m → rn. Tiwizi's skeleton is that table made case-insensitive, and two
more look-alikes:
- handles are unique whatever their case, so "i" is the same handle letter as "I", which looks
  like "l": the skeleton lowers the handle, then maps each character by the table with its
  sources and prototypes lowered (i → l, 1 → l, 0 → o, m → rn). This is the "i/l fold" that
  catches "tiwizl" for "tiwizi", which TR39 alone would not;
- w → vv and d → cl, which the table leaves out (it maps a character to a prototype, and these
  pairs of letters are not one character in any script).

The skeleton is a column of Member computed by the database (a generated column: a bulk insert
or a raw update cannot leave it stale) under a unique constraint, so two look-alike sign-ups,
however close together, cannot both succeed. `handle_skeleton` computes the same in Python, for
forms and for names that are not members (reserved handles, staff names); a test checks that
the two agree.
"""

import re
from pathlib import Path

from django.db.models import Value
from django.db.models.functions import Lower, Replace

TABLE_FILE = Path(__file__).with_name("confusables_handles.txt")


def _read_table(path):
    """{source: prototype} from lines of confusables.txt ("0031 ;  006C ;  MA  # ( 1 → l ) …")."""
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, prototype = (field.strip() for field in data.split(";")[:2])
        table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in prototype.split())
    return table


CONFUSABLES = _read_table(TABLE_FILE)
EXTRA_LOOK_ALIKES = {"d": "cl", "w": "vv"}
# What the skeleton maps each (lowered) character to.
MAPPING = {
    **{source.lower(): prototype.lower() for source, prototype in sorted(CONFUSABLES.items())},
    **EXTRA_LOOK_ALIKES,
}


def _check_replacing_in_turn_is_mapping_once(mapping):
    """The database replaces one source after another: that equals mapping each character once
    only if no prototype holds a source replaced after it. Checked when the table is read, so
    that a new version of the table cannot silently make the two computations differ."""
    sources = list(mapping)
    for index, source in enumerate(sources):
        clash = [later for later in sources[index + 1 :] if later in mapping[source]]
        if clash:
            raise ValueError(f"the prototype {mapping[source]!r} holds {clash[0]!r}, replaced after it")


_check_replacing_in_turn_is_mapping_once(MAPPING)
_TRANSLATION = str.maketrans(MAPPING)

# The longest a skeleton gets: every character may become two ("m" → "rn", "w" → "vv", "d" → "cl").
SKELETON_MAX_LENGTH = 60


def handle_skeleton(handle):
    """The confusable skeleton of a handle: equal for two handles that look alike, in any case."""
    return handle.lower().translate(_TRANSLATION)


def skeleton_expression(field_name):
    """handle_skeleton as a database expression on the column `field_name`."""
    expression = Lower(field_name)
    for source, prototype in MAPPING.items():
        expression = Replace(expression, Value(source), Value(prototype))
    return expression


# Names of the site and of the people who run it. A handle whose skeleton holds one of theirs is
# refused at sign-up: "tiwizi_support", "Admin_Twittoma", "rnoderatrice", "tiwizl_admin". Kept short,
# for names nobody needs in a handle of their own: "admin" also covers "administrateur" and
# "moderat" "moderator", "moderatrice", "moderateur", "moderation". Left out on purpose: "support"
# (a "supporter" is what every donor is), "modo" (French slang for a moderator, but also Modou,
# a common given name in West Africa), "staff" (reserved as a whole handle already).
STAFF_NAMES = ("tiwizi", "admin", "moderat")


_STAFF_SKELETONS = tuple(handle_skeleton(name) for name in STAFF_NAMES)


def impersonated_staff_name(handle):
    """The staff name whose skeleton the handle's holds ("tiwizl_admin": "tiwizi"), or None."""
    skeleton = handle_skeleton(handle)
    for name, name_skeleton in zip(STAFF_NAMES, _STAFF_SKELETONS, strict=True):
        if name_skeleton in skeleton:
            return name
    return None


# What an erased account's handle becomes (accounts/privacy.py): "deleted_" and 12 random hex
# digits. It is a valid handle, so every URL and page that takes one still works, but no member
# may choose a handle that looks like it begins so (accounts.models.validate_handle).
TOMBSTONE_PREFIX = "deleted_"
TOMBSTONE_PATTERN = re.compile(r"^deleted_[0-9a-f]{12}$")
_TOMBSTONE_SKELETON = handle_skeleton(TOMBSTONE_PREFIX)


def looks_like_a_tombstone(handle):
    return handle_skeleton(handle).startswith(_TOMBSTONE_SKELETON)
