"""The project's social card: a 1200×630 PNG shown by social networks next to a shared link
(Open Graph and Twitter card images use this size).

The card shows the title, the place, a bar per need (received against the goal, the first few
needs), the hashtag and Tiwizi's name. Drawing takes tens of milliseconds, so a card is drawn
once per content: its file name carries a hash of everything it shows, under
MEDIA_ROOT/cards/. A page asks for the hash only (no drawing, no query beyond the project's
own, whose needs are prefetched with their progress); the card is drawn when first requested
after the figures changed, and the project's older cards are removed then.
"""

import hashlib
import json
import os
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
DESIGN_VERSION = "2"
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


@lru_cache(maxsize=16)
def _font(size, bold=False):
    return ImageFont.truetype(str(FONTS_DIR / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")), size)


def hashtag_of(project):
    return project.hashtag or project.community.hashtag


def card_content(project):
    """What the card shows, as plain data: the hash of the file is taken over it.

    `project` comes from publishing.selectors.project_detail (community joined, needs prefetched
    with their progress). The card is in the site's language: one card per project, whatever
    the language of whoever shares it.
    """
    with translation.override(settings.LANGUAGE_CODE):
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


def content_hash(content):
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:20]


def card_version(project):
    """The hash of the card as it should be now (used in the og:image URL, so networks re-fetch
    the image when it changes)."""
    return content_hash(card_content(project))


def _wrap(draw, text, font, width, max_lines):
    """Words on lines no wider than `width`; the last line ends with … when text is left over."""
    lines = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    lines = [_fit(draw, line, font, width) for line in lines]
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while " " in last and draw.textlength(last + " …", font=font) > width:
        last = last.rsplit(" ", 1)[0]
    return lines[: max_lines - 1] + [last + " …"]


def _fit(draw, text, font, width):
    """One line, cut with … when too wide."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_card(content):
    """The card as a Pillow image."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)

    # Header: the site's name and the community.
    brand_font = _font(30, bold=True)
    draw.text((MARGIN, 42), "Tiwizi", font=brand_font, fill=ACCENT)
    brand_width = draw.textlength("Tiwizi", font=brand_font)
    community_font = _font(26)
    draw.text(
        (MARGIN + brand_width + 18, 46),
        _fit(draw, "· " + content["community"], community_font, CONTENT_WIDTH - brand_width - 18),
        font=community_font,
        fill=MUTED,
    )

    y = 100
    title_font = _font(54, bold=True)
    for line in _wrap(draw, content["title"], title_font, CONTENT_WIDTH, max_lines=2):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 68
    if content["place"]:
        place_font = _font(30)
        draw.text((MARGIN, y + 4), _fit(draw, content["place"], place_font, CONTENT_WIDTH), font=place_font, fill=MUTED)
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
        label_font = _font(label_size, bold=True)
        figure_font = _font(label_size)
        for bar in bars:
            figure_width = draw.textlength(bar["figure"], font=figure_font)
            draw.text(
                (MARGIN, y),
                _fit(draw, bar["label"], label_font, CONTENT_WIDTH - figure_width - 24),
                font=label_font,
                fill=INK,
            )
            draw.text((WIDTH - MARGIN - figure_width, y), bar["figure"], font=figure_font, fill=INK)
            top = y + label_size + 12
            _bar(draw, top, bar_height, bar["pledged"], bar["received"])
            y += row_height
        if content["more"]:
            draw.text((MARGIN, y), content["more"], font=_font(22), fill=MUTED)
    else:
        draw.text((MARGIN, y), content["empty"], font=_font(28), fill=MUTED)

    # Footer: the hashtag, and where to find the project.
    draw.line((MARGIN, footer_top, WIDTH - MARGIN, footer_top), fill=TRACK, width=2)
    if content["hashtag"]:
        draw.text((MARGIN, footer_top + 18), content["hashtag"], font=_font(32, bold=True), fill=ACCENT)
    site_font = _font(26)
    site = content["site"]
    site_left = WIDTH - MARGIN - draw.textlength(site, font=site_font)
    draw.text((site_left, footer_top + 22), site, font=site_font, fill=MUTED)
    return image


def _bar(draw, top, height, pledged, received):
    radius = height // 2
    draw.rounded_rectangle((MARGIN, top, WIDTH - MARGIN, top + height), radius=radius, fill=TRACK)
    for percent, colour in ((pledged, PLEDGED), (received, RECEIVED)):
        if percent <= 0:
            continue
        right = MARGIN + max(height, CONTENT_WIDTH * percent // 100)
        draw.rounded_rectangle((MARGIN, top, right, top + height), radius=radius, fill=colour)


def card_file(project):
    """The path of the project's current card, drawn now if its content changed (with the
    project's older cards removed). Writes go to a temporary name first, then replace
    atomically: a reader never sees half a PNG, and two processes drawing at once both end
    with the same complete file."""
    content = card_content(project)
    digest = content_hash(content)
    directory = cards_dir()
    path = directory / f"{project.pk}-{digest}.png"
    if path.exists():
        return path, digest
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{project.pk}-{uuid.uuid4().hex}.tmp"
    draw_card(content).save(temporary, "PNG", optimize=True)
    os.replace(temporary, path)
    for old in directory.glob(f"{project.pk}-*.png"):
        if old != path:
            old.unlink(missing_ok=True)
    return path, digest
