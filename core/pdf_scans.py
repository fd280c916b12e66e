"""What a PDF scan may hold: a document to look at, nothing that acts.

Expense scans are published as sent (core/uploads.py), so anyone who opens one runs what it
holds in their viewer. A receipt needs none of this, and it is refused:
- scripts: JavaScript actions (/S /JavaScript, /JS) and the document's JavaScript name tree;
- actions that leave the document or act on their own: launching a program (/Launch), sending
  or importing form data (/SubmitForm, /ImportData), opening another or an embedded file
  (/GoToR, /GoToE), multimedia and plugins (/Rendition, /Movie, /Sound, /RichMedia…);
- actions run without a click (/OpenAction, /AA) that open an address (/URI): the viewer would
  fetch it, telling its owner who reads the receipt (the tracking pixel of issue 11, in PDF).
  A link the reader clicks (a Link annotation's /URI: the supplier's website) is fine, and so is
  an /OpenAction that only says which page to show;
- attached files (/EmbeddedFile, /EmbeddedFiles, /FileAttachment annotations) and XFA forms
  (/XFA, XML forms with their own scripts).

The document is parsed with pypdf and every object reachable from its trailer is walked
(catalog, pages, annotations, form fields, name trees, objects inside compressed object
streams): pypdf decodes names, so `/J#53` is `/JS`. As a second net, the raw bytes are searched
for the names that are never harmless, decoded the same way, which also finds objects that
nothing references (a viewer repairing the file may still reach them). A PDF that pypdf cannot
read cannot be checked, and is refused as damaged.
"""

import io
import logging
import re

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)

# Action types (/S) refused wherever they are.
REFUSED_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/RichMediaExecute",
    }
)
# Action types refused when they run without a click (in /OpenAction or /AA).
REFUSED_WITHOUT_A_CLICK = frozenset({"/URI"})
# Keys and names that are active content wherever they are.
REFUSED_NAMES = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/FileAttachment", "/RichMedia", "/XFA", "/Launch"}
)
AUTOMATIC_KEYS = frozenset({"/OpenAction", "/AA"})
# Raw-byte search: a PDF name (a slash and regular characters, `#xx` escapes included).
_RAW_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Far more objects than a scanned receipt has (a few dozen): a bound on the walk's work.
MAX_OBJECTS = 200_000


class UnreadablePDF(Exception):
    pass


def _decoded_name(raw):
    return "/" + _ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw).decode("latin-1")


def _names_in_bytes(data):
    return {_decoded_name(match.group(1)) for match in _RAW_NAME.finditer(data)}


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _walk(reader):
    """The active content found in the objects reachable from the trailer (names, sorted)."""
    found = set()
    seen = set()
    pending = [(reader.trailer, False)]
    visited = 0
    while pending:
        item, automatic = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise UnreadablePDF("too many objects")
        if isinstance(item, DictionaryObject):
            action = _resolved(item.get("/S"))
            if isinstance(action, NameObject) and (
                action in REFUSED_ACTIONS or (automatic and action in REFUSED_WITHOUT_A_CLICK)
            ):
                found.add(str(action))
            for name in (_resolved(item.get("/Type")), _resolved(item.get("/Subtype"))):
                if isinstance(name, NameObject) and name in REFUSED_NAMES:
                    found.add(str(name))
            for key, value in item.items():
                if key in REFUSED_NAMES:
                    found.add(str(key))
                pending.append((value, automatic or key in AUTOMATIC_KEYS))
        elif isinstance(item, ArrayObject):
            pending.extend((value, automatic) for value in item)
    return found


def active_content(data):
    """The names of what acts in the PDF `data` (e.g. {"/JavaScript", "/OpenAction"}), empty when
    it is only a document. Raises UnreadablePDF when pypdf cannot read it."""
    found = _names_in_bytes(data) & REFUSED_NAMES
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Its objects cannot be read without the password: nothing we can check.
            raise UnreadablePDF("encrypted")
        found |= _walk(reader)
    except UnreadablePDF:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as error:
        # pypdf reports a broken file through many exception types.
        logger.info("A PDF scan could not be read: %r", error)
        raise UnreadablePDF(str(error)) from None
    return found
