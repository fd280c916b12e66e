"""Reading Arabic back from our PDFs, for the tests of the receipts and of the report.

- `pdf_text`: the text a reader would copy, as pypdf extracts it (in logical order: pypdf puts
  right-to-left runs back in reading order).
- `embedded_faces`: the fonts a PDF embeds (only those it draws with).
- `arabic_glyph_forms`: which forms of the Arabic letters the PDF draws, to tell text that was
  shaped (letters joined: initial, medial and final forms) from text that was not (every letter
  in its isolated form, as if typed apart).

How the forms are told apart: WeasyPrint embeds a subset of the bundled Noto Sans Arabic that
keeps the font's glyph ids (HarfBuzz's retain-gids, pdf/fonts.py), and writes them as the codes
of the text it draws (Identity-H encoding). So each code in the content stream is a glyph of
static/fonts/NotoSansArabic-*.ttf. That font maps every letter (U+0627 ALEF, U+0644 LAM…) to its
isolated glyph, and each contextual form of Unicode's presentation forms (U+FEDF ARABIC LETTER
LAM INITIAL FORM…) to the glyph shaping picks for it: a drawn glyph reached from a code point
named "… INITIAL/MEDIAL/FINAL FORM" is a joined letter, one reached from a base letter is an
isolated one. (The extracted text alone proves nothing: it maps glyphs back to base letters
either way, and holds no presentation forms, U+FE70–U+FEFF, whether shaped or not.)
"""

import io
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
CONTEXTUAL = ("INITIAL FORM", "MEDIAL FORM", "FINAL FORM")


def pdf_text(pdf):
    """The text of every page, whitespace (and no-break spaces) collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


@cache
def _glyph_forms(face_file):
    """glyph id → "contextual" or "isolated", for the glyphs of Arabic letters in a bundled face."""
    font = TTFont(FONTS_DIR / face_file)
    forms = {}
    for code_point, glyph in font.getBestCmap().items():
        name = unicodedata.name(chr(code_point), "")
        if any(form in name for form in CONTEXTUAL):
            forms[font.getGlyphID(glyph)] = "contextual"
        elif name.startswith("ARABIC LETTER") and "FORM" not in name:
            forms.setdefault(font.getGlyphID(glyph), "isolated")
    return forms


def _embedded_face(font_dictionary):
    """(family, style) of an embedded font, from its own name table."""
    descriptor = font_dictionary["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    names = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))["name"]
    return names.getDebugName(1) or "", names.getDebugName(2) or ""


def embedded_faces(pdf):
    """The faces the PDF embeds, as {(family, style)}: WeasyPrint embeds only those it draws with."""
    reader = PdfReader(io.BytesIO(pdf))
    return {_embedded_face(font.get_object()) for page in reader.pages for font in page["/Resources"]["/Font"].values()}


def _arabic_face_file(font_dictionary):
    """The bundled file of an embedded Noto Sans Arabic face, or None for another font."""
    family, style = _embedded_face(font_dictionary)
    if "Arabic" not in family:
        return None
    return "NotoSansArabic-Bold.ttf" if "Bold" in style else "NotoSansArabic-Regular.ttf"


def arabic_glyph_forms(pdf):
    """Counter of the forms of the Arabic letters drawn: "contextual" (a joined letter: initial,
    medial or final form) and "isolated"; glyphs of other faces are not counted."""
    reader = PdfReader(io.BytesIO(pdf))
    forms = Counter()
    for page in reader.pages:
        fonts = {name: font.get_object() for name, font in page["/Resources"]["/Font"].items()}
        faces = {name: _arabic_face_file(font) for name, font in fonts.items()}
        face = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                face = faces.get(operands[0])
            elif operator in (b"TJ", b"Tj") and face:
                strings = operands[0] if operator == b"TJ" else operands
                for string in strings:
                    codes = getattr(string, "original_bytes", None)
                    if codes is None:
                        continue  # a kerning number
                    glyph_forms = _glyph_forms(face)
                    for index in range(0, len(codes), 2):
                        form = glyph_forms.get(int.from_bytes(codes[index : index + 2], "big"))
                        if form:
                            forms[form] += 1
    return forms
