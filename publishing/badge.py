"""The embeddable progress badge /p/<slug>/badge.svg (shields.io style) for blogs and READMEs.

Its figure is the project's *received* share, the one the project list's bar shows
(donations.progress.projects_with_progress, `received_percent`): what arrived against the
goal over the project's cash needs when it has a cash goal; otherwise, for a project asking
only for material, the mean of its material needs' received percentages (units of different
items cannot be added up). Capped at 100 %, rounded down to a whole percent.
"""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import ImageFont

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
HEIGHT = 20
PADDING = 6
LABEL = "Tiwizi"


@lru_cache(maxsize=1)
def _font():
    return ImageFont.truetype(str(FONTS_DIR / "NotoSans-Regular.ttf"), 11)


def _text_width(text):
    # Measured with the font the SVG asks for first; other fonts differ by a pixel or two.
    return int(_font().getlength(text)) + 1


def received_percent(project):
    """The whole percentage shown (see the module's docstring)."""
    return max(0, min(100, int(Decimal(project.received_percent or 0))))


def badge_svg(project):
    """The badge as SVG text: "Tiwizi | 62 % received" with a bar under the value."""
    percent = received_percent(project)
    value = _("%(percent)s %% received") % {"percent": percent}
    title = f"{project.title}: {value}"
    label_width = _text_width(LABEL) + 2 * PADDING
    value_width = _text_width(value) + 2 * PADDING
    width = label_width + value_width
    bar_width = value_width * percent // 100
    label, value, title = escape(LABEL), escape(value), escape(title)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" role="img"
 aria-label="{title}">
<title>{title}</title>
<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)">
<rect width="{label_width}" height="{HEIGHT}" fill="#555"/>
<rect x="{label_width}" width="{value_width}" height="{HEIGHT}" fill="#5c6670"/>
<rect x="{label_width}" width="{bar_width}" height="{HEIGHT}" fill="#22613b"/>
</g>
<g fill="#fff" text-anchor="middle" font-family="Noto Sans,DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">
<text x="{label_width / 2:.1f}" y="14">{label}</text>
<text x="{label_width + value_width / 2:.1f}" y="14">{value}</text>
</g>
</svg>
"""
