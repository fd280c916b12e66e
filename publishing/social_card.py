"""The project's social card: a 1200×630 PNG shown by social networks next to a shared link
(Open Graph and Twitter card images use this size).

The card shows the title, the place, a bar per need (received against the goal, the first few
needs), the hashtag and Tiwizi's name. Drawing takes tens of milliseconds, so a card is drawn
once per content: its file name carries a hash of everything it shows, under
MEDIA_ROOT/cards/. A page asks for the hash only (no drawing, no query beyond the project's
own, whose needs are prefetched with their progress); the card is drawn when first requested
after the figures changed, and the project's older cards are removed then.

Languages: the card is in the request's language, like the page that points to it (the page,
the card's URL and its response are kept per language: core/page_cache.py). One file per project
and language, the language in its name: drawing the Arabic card never removes the French one.
In Arabic it is drawn right to left, in a mirror of the French one. Pillow shapes Arabic (with
libraqm) but takes one font per call and Noto Sans has no Arabic letters, Noto Sans Arabic no
Latin ones: a line is drawn as runs of one direction and one font (line_runs, _chunks), a word-level
bidi that keeps an amount ("5.000 MAD") read left to right inside Arabic text.
"""

import hashlib
import json
import os
import unicodedata
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from core.formatting import number, percent_of

WIDTH, HEIGHT = 1200, 630
# Change when the drawing changes, so that every card is drawn again.
DESIGN_VERSION = "3"
MAX_BARS = 4
FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

BACKGROUND = "#fbfaf7"
INK = "#1f2328"
MUTED = "#5c6670"
ACCENT = "#b4461f"
TRACK = "#e4e7ea"
PLEDGED = "#5f9270"  # as the pages: 3:1 against the track
RECEIVED = "#22613b"

MARGIN = 80
CONTENT_WIDTH = WIDTH - 2 * MARGIN


def cards_dir():
    return Path(settings.MEDIA_ROOT) / "cards"


FONT_FILES = {
    (False, False): "NotoSans-Regular.ttf",
    (True, False): "NotoSans-Bold.ttf",
    (False, True): "NotoSansArabic-Regular.ttf",
    (True, True): "NotoSansArabic-Bold.ttf",
}


@lru_cache(maxsize=32)
def _font(size, bold=False, arabic=False):
    return ImageFont.truetype(str(FONTS_DIR / FONT_FILES[bold, arabic]), size)


@lru_cache(maxsize=1)
def _arabic_face_characters():
    """What Noto Sans Arabic has glyphs for: Arabic, and digits, spaces and some punctuation (its
    two faces cover the same). fontTools comes with WeasyPrint."""
    from fontTools.ttLib import TTFont

    return frozenset(map(chr, TTFont(FONTS_DIR / FONT_FILES[False, True], lazy=True).getBestCmap()))


def hashtag_of(project):
    return project.hashtag or project.community.hashtag


def card_content(project):
    """What the card shows, as plain data: the hash of the file is taken over it.

    `project` comes from publishing.selectors.project_detail (community joined, needs prefetched
    with their progress). The card is in the active language (the request's): its texts, its
    figures and its direction.
    """
    needs = list(project.needs.all())
    shown = needs if len(needs) <= MAX_BARS else needs[: MAX_BARS - 1]
    bars = [
        {
            "label": need.label,
            "received": percent_of(need.received, need.target_quantity),
            "pledged": percent_of(need.pledged, need.target_quantity),
            "figure": _("%(received)s of %(target)s received")
            % {"received": number(need.received), "target": f"{number(need.target_quantity)} {need.unit_label}"},
        }
        for need in shown
    ]
    hidden = len(needs) - len(shown)
    return {
        "design": DESIGN_VERSION,
        "language": card_language(),
        "right_to_left": translation.get_language_bidi(),
        "title": project.title,
        "place": project.place,
        "community": project.community.name,
        "bars": bars,
        "more": _("and %(count)s other needs on the project page") % {"count": hidden} if hidden else "",
        "empty": "" if bars else _("Needs are being listed: follow the project."),
        "hashtag": f"#{hashtag_of(project)}" if hashtag_of(project) else "",
        # Where to find the project: the site's address.
        "site": urlsplit(settings.SITE_URL).netloc,
    }


def card_language():
    return translation.get_language() or settings.LANGUAGE_CODE


def content_hash(content):
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:20]


def card_version(project):
    """The hash of the card as it should be now (used in the og:image URL, so networks re-fetch
    the image when it changes)."""
    return content_hash(card_content(project))


# Text in both directions, drawn with two fonts -------------------------------------------------


def _word_direction(word):
    """The direction of the word's first letter that has one, "ltr" or "rtl"; None for figures
    and punctuation ("1.250", "—")."""
    for character in word:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def line_runs(text, right_to_left):
    """The line as runs of one direction, [(text, "ltr" | "rtl")], from the line's start (its
    right end when it is right to left). Word by word, a bidi simpler than Unicode's and enough
    for a card: on a right-to-left line, figures read left to right and join the left-to-right
    words next to them ("وصل 1.250 من أصل 5.000 MAD": "5.000 MAD" reads as one amount); on a
    left-to-right line, figures between two right-to-left words belong to them. Punctuation
    between two words of one direction takes theirs, else the line's ("·", "—", "…")."""
    base = "rtl" if right_to_left else "ltr"
    words = text.split(" ")
    directions = [_word_direction(word) for word in words]
    resolved = []
    for position, direction in enumerate(directions):
        if direction is None:
            before = next((known for known in reversed(directions[:position]) if known), None)
            after = next((known for known in directions[position + 1 :] if known), None)
            if any(character.isdigit() for character in words[position]):
                direction = "rtl" if not right_to_left and before == after == "rtl" else "ltr"
            else:
                direction = before if before is not None and before == after else base
        resolved.append(direction)
    runs = []
    for word, direction in zip(words, resolved, strict=True):
        if runs and runs[-1][1] == direction:
            runs[-1][0].append(word)
        else:
            runs.append(([word], direction))
    return [(" ".join(run_words), direction) for run_words, direction in runs]


def _chunks(text):
    """The run cut where its font changes, [(text, arabic)]: Arabic letters and their marks take
    Noto Sans Arabic, anything else Noto Sans; what both have (spaces, digits, some punctuation)
    stays in the chunk it follows."""
    shared = _arabic_face_characters()
    chunks = []
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("AL", "R", "AN") or (kind == "NSM" and chunks and chunks[-1][1]):
            arabic = True
        elif chunks and character in shared:
            arabic = chunks[-1][1]
        else:
            arabic = False
        if chunks and chunks[-1][1] == arabic:
            chunks[-1][0] += character
        else:
            chunks.append([character, arabic])
    return [(chunk, arabic) for chunk, arabic in chunks]


def _layout(draw, text, size, bold, right_to_left):
    """The line's pieces as (text, font, direction, left, width), `left` from the line's left
    end, and the line's width."""
    space = draw.textlength(" ", font=_font(size, bold))
    runs = []
    for run, direction in line_runs(text, right_to_left):
        # Pillow lays text out left to right unless told: only right-to-left runs say it (the
        # French card is drawn as before, and needs no libraqm).
        chunk_direction = "rtl" if direction == "rtl" else None
        pieces = [(chunk, _font(size, bold, arabic), chunk_direction) for chunk, arabic in _chunks(run)]
        widths = [draw.textlength(chunk, font=font, direction=direction) for chunk, font, direction in pieces]
        runs.append((pieces, widths, direction))
    width = sum(sum(widths) for _pieces, widths, _direction in runs) + space * (len(runs) - 1)
    placed = []
    # Runs from the line's start; the chunks of a run from the run's own start.
    position = width if right_to_left else 0
    for pieces, widths, direction in runs:
        run_width = sum(widths)
        run_left = position - run_width if right_to_left else position
        cursor = run_left + run_width if direction == "rtl" else run_left
        for (chunk, font, chunk_direction), chunk_width in zip(pieces, widths, strict=True):
            left = cursor - chunk_width if direction == "rtl" else cursor
            placed.append((chunk, font, chunk_direction, left, chunk_width))
            cursor = left if direction == "rtl" else cursor + chunk_width
        position = run_left - space if right_to_left else run_left + run_width + space
    return placed, width


def _text_width(draw, text, size, bold, right_to_left):
    return _layout(draw, text, size, bold, right_to_left)[1]


def _draw_text(draw, start, top, text, size, fill, right_to_left, bold=False, align="start"):
    """The line with its start `start` pixels from the card's start edge (the left one, the right
    one when right to left), or its end that far from the end edge (align="end"); `top` is where
    the Latin face's ascender is, as Pillow's default anchor puts it."""
    placed, width = _layout(draw, text, size, bold, right_to_left)
    at_start = align == "start"
    left = (
        (WIDTH - start - width if right_to_left else start)
        if at_start
        else (start if right_to_left else WIDTH - start - width)
    )
    baseline = top + _font(size, bold).getmetrics()[0]
    for chunk, font, direction, offset, _width in placed:
        draw.text((left + offset, baseline), chunk, font=font, fill=fill, anchor="ls", direction=direction)
    return width


def _wrap(draw, text, size, bold, width, max_lines, right_to_left):
    """Words on lines no wider than `width`; the last line ends with … when text is left over.
    Only plain spaces part words: a no-break space (the thousands of "5 000") holds."""
    lines = []
    for word in text.split(" "):
        if lines and _text_width(draw, f"{lines[-1]} {word}", size, bold, right_to_left) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif word:
            lines.append(word)
    lines = [_fit(draw, line, size, bold, width, right_to_left) for line in lines]
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while " " in last and _text_width(draw, last + " …", size, bold, right_to_left) > width:
        last = last.rsplit(" ", 1)[0]
    return lines[: max_lines - 1] + [last + " …"]


def _fit(draw, text, size, bold, width, right_to_left):
    """One line, cut with … when too wide."""
    if _text_width(draw, text, size, bold, right_to_left) <= width:
        return text
    while text and _text_width(draw, text + "…", size, bold, right_to_left) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_card(content):
    """The card as a Pillow image; right to left, the French card in a mirror."""
    right_to_left = content.get("right_to_left", False)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((WIDTH - 17, 0, WIDTH - 1, HEIGHT) if right_to_left else (0, 0, 16, HEIGHT), fill=ACCENT)

    def text(start, top, line, size, fill, bold=False, align="start"):
        return _draw_text(draw, start, top, line, size, fill, right_to_left, bold=bold, align=align)

    def fit(line, size, width, bold=False):
        return _fit(draw, line, size, bold, width, right_to_left)

    # Header: the site's name and the community.
    brand_width = text(MARGIN, 42, "Tiwizi", 30, ACCENT, bold=True)
    community = fit("· " + content["community"], 26, CONTENT_WIDTH - brand_width - 18)
    text(MARGIN + brand_width + 18, 46, community, 26, MUTED)

    y = 100
    for line in _wrap(draw, content["title"], 54, True, CONTENT_WIDTH, 2, right_to_left):
        text(MARGIN, y, line, 54, INK, bold=True)
        y += 68
    if content["place"]:
        text(MARGIN, y + 4, fit(content["place"], 30, CONTENT_WIDTH), 30, MUTED)
        y += 46
    y += 22

    footer_top = HEIGHT - 84
    bars = content["bars"]
    rows = len(bars) + (1 if content["more"] else 0)
    if bars:
        available = footer_top - 16 - y
        row_height = min(116, available // rows)
        # Fewer needs, bigger bars; the block sits in the middle of the space left.
        label_size, bar_height = (32, 30) if row_height >= 100 else (26, 18) if row_height >= 70 else (22, 14)
        y += (available - rows * row_height) // 2
        for bar in bars:
            figure_width = _text_width(draw, bar["figure"], label_size, False, right_to_left)
            label = fit(bar["label"], label_size, CONTENT_WIDTH - figure_width - 24, bold=True)
            text(MARGIN, y, label, label_size, INK, bold=True)
            text(MARGIN, y, bar["figure"], label_size, INK, align="end")
            top = y + label_size + 12
            _bar(draw, top, bar_height, bar["pledged"], bar["received"], right_to_left)
            y += row_height
        if content["more"]:
            text(MARGIN, y, content["more"], 22, MUTED)
    else:
        text(MARGIN, y, content["empty"], 28, MUTED)

    # Footer: the hashtag, and where to find the project.
    draw.line((MARGIN, footer_top, WIDTH - MARGIN, footer_top), fill=TRACK, width=2)
    if content["hashtag"]:
        text(MARGIN, footer_top + 18, content["hashtag"], 32, ACCENT, bold=True)
    text(MARGIN, footer_top + 22, content["site"], 26, MUTED, align="end")
    return image


def _bar(draw, top, height, pledged, received, right_to_left):
    radius = height // 2
    draw.rounded_rectangle((MARGIN, top, WIDTH - MARGIN, top + height), radius=radius, fill=TRACK)
    for percent, colour in ((pledged, PLEDGED), (received, RECEIVED)):
        if percent <= 0:
            continue
        length = max(height, CONTENT_WIDTH * percent // 100)
        # Filled from the start: from the right when the card reads right to left.
        box = (
            (WIDTH - MARGIN - length, top, WIDTH - MARGIN, top + height)
            if right_to_left
            else (MARGIN, top, MARGIN + length, top + height)
        )
        draw.rounded_rectangle(box, radius=radius, fill=colour)


def card_file(project):
    """The path of the project's current card in the active language, drawn now if its content
    changed (with the project's older cards in that language removed). Writes go to a temporary
    name first, then replace atomically: a reader never sees half a PNG, and two processes
    drawing at once both end with the same complete file."""
    content = card_content(project)
    digest = content_hash(content)
    language = content["language"]
    directory = cards_dir()
    path = directory / f"{project.pk}-{language}-{digest}.png"
    if path.exists():
        return path, digest
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{project.pk}-{uuid.uuid4().hex}.tmp"
    draw_card(content).save(temporary, "PNG", optimize=True)
    os.replace(temporary, path)
    for old in directory.glob(f"{project.pk}-*.png"):
        # "12-ar-<hash>": that language's older cards go; a name without a language is a card
        # drawn before cards had one (PROJECT-HASH), older than any.
        old_language = old.stem.removeprefix(f"{project.pk}-").rpartition("-")[0]
        if old != path and old_language in (language, ""):
            old.unlink(missing_ok=True)
    return path, digest
