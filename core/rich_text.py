"""Text that members write in Markdown (a project's story, an update), as safe HTML."""

import functools
import re
from html import escape, unescape
from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

LINK_REL = "nofollow noopener noreferrer ugc"
# An image of our own: a path under MEDIA_URL (what members upload), made of URL characters only
# (no backslash, space or control character, which browsers may read as "//another.host").
OWN_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")
# In nh3's output every "<" that is not a tag is escaped, and every attribute value is quoted with
# '"' escaped, so these find each image, each link around it and their attributes exactly.
IMG_OR_LINK_TAG = re.compile(r"<img\s[^>]*>|<img>|<a\s[^>]*>|<a>|</a>")
IMG_ATTRIBUTE = re.compile(r'\s(src|alt)="([^"]*)"')


def is_own_image(src):
    """Whether an image's address is one of our uploads: /media/… or SITE_URL/media/…, never another
    host, a protocol-relative "//host", a data: or a javascript: URL."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return False
        src = src[len(f"{site.scheme}://{site.netloc}") :]
    media = settings.MEDIA_URL  # with the script prefix: "/media/"
    if not media.startswith("/") or media.startswith("//") or not src.startswith(media):
        return False
    path = src[len(media) :]
    if OWN_PATH.fullmatch(path) is None or path.startswith("/"):
        return False
    # Browsers read "%2e%2e" as "..": no way out of the media folder, encoded or not.
    return ".." not in unquote(path).split("/")


def _foreign_images_as_links(html):
    """Each image from another host, as a link to its address with its alt text (or, inside a
    link already, as its alt text): a reader who wants to see it follows the link, and no reader's
    address reaches that host by merely reading."""
    depth = 0

    def replace(match):
        nonlocal depth
        tag = match.group(0)
        if tag.startswith("</a"):
            depth = max(0, depth - 1)
            return tag
        if tag.startswith("<a"):
            depth += 1
            return tag
        attributes = {name: unescape(value) for name, value in IMG_ATTRIBUTE.findall(tag)}
        src = attributes.get("src", "")
        if src and is_own_image(src):
            return tag
        text = escape(attributes.get("alt") or src)
        if depth or not src:
            return text
        return f'<a href="{escape(src)}">{text}</a>'

    return IMG_OR_LINK_TAG.sub(replace, html)


def _own_images_only(tag, attribute, value):
    # nh3 has already refused data:, javascript: and other schemes; this refuses the rest.
    if tag == "img" and attribute == "src" and not is_own_image(value):
        return None
    return value


# --- Bounds: no text makes a page slow --------------------------------------------------------

# CommonMark with tables and ~~strikethrough~~, raw HTML kept for nh3 to sanitise, as members write
# on the social networks they come from. markdown-it-py takes time linear in the text whatever it
# holds, and caps nesting (maxNesting): Python-Markdown, used before, took 5 minutes on a story of
# 20 000 "[", 8 s on one of "<a ", and raised RecursionError (a 500) on "1. 1. 1. …" (issue 11).
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Every address is let through to nh3, which drops the schemes that run code (javascript:, data:…)
# as it does for raw HTML: the image rules above then see each image, whatever its source.
MARKDOWN.validateLink = lambda url: True


def _image_alt_first(renderer, tokens, index, options, env):
    """An image as <img alt="…" src="…">, the alt text first as before (markdown-it writes src first)."""
    token = tokens[index]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    token.attrs = {"alt": alt, **{name: value for name, value in token.attrs.items() if name != "alt"}}
    return renderer.renderToken(tokens, index, options, env)


MARKDOWN.add_render_rule("image", _image_alt_first)

# The longest Markdown text rendered: a project's story (projects/limits.py STORY_MAX), the longest
# Markdown field. Every field is bounded where it is written; this is the last line of defence,
# for whatever reaches the renderer another way (rows from before the limits, a bug): Markdown
# costs ~4 ms per 1 000 characters here, and a 3 MB story once took a page 16 s (issue 11).
MARKDOWN_MAX_CHARACTERS = 20_000


def within_bound(text):
    """The text, cut at MARKDOWN_MAX_CHARACTERS (marked "…") when longer, and defused (below): shown
    in part or with a few characters escaped, never slow."""
    if len(text) > MARKDOWN_MAX_CHARACTERS:
        text = text[:MARKDOWN_MAX_CHARACTERS] + " …"
    return _defused(text)


# Brackets that open no link are still the costliest text to parse (20 000 "![" take ~1 s, four
# times any other text of that length), because each is tried as the start of a link. So, before
# rendering, they are escaped (a backslash: shown as typed): a "[" that no "]" closes or nested
# more than LINK_NESTING deep, and a "](" not followed by a plain link address (and title) and its
# ")". Links, images and images in links render as written; only a bracket that opens nothing may
# show its backslash inside `code`. core/tests/test_rich_text_bounds.py
LINK_NESTING = 2
# A link's address (in <…>, or without spaces, with balanced parentheses one deep) and optional
# title, then its ")": what Markdown reads without scanning beyond.
LINK_TARGET = re.compile(
    r"""\]\(\s*(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)"""
    r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"""
)


def _defused(text):
    return _brackets_defused(text) if "[" in text else text


def _brackets_defused(text):
    """Each "[" that no "]" closes, or nested deeper than LINK_NESTING, escaped; each "](" that
    LINK_TARGET does not read escaped as "]\\(". One pass, in time linear in the text."""
    escaped = set()
    open_brackets = []
    position, length = 0, len(text)
    while position < length:
        character = text[position]
        if character == "\\":
            position += 2  # an escaped character: Markdown reads it as itself, and so do we
            continue
        if character == "[":
            if len(open_brackets) >= LINK_NESTING:
                escaped.add(position)
            else:
                open_brackets.append(position)
        elif character == "]":
            if open_brackets:
                open_brackets.pop()
            if text.startswith("(", position + 1) and not LINK_TARGET.match(text, position):
                escaped.add(position + 1)
        position += 1
    escaped.update(open_brackets)
    if not escaped:
        return text
    parts, start = [], 0
    for position in sorted(escaped):
        parts.append(text[start:position])
        parts.append("\\")
        start = position
    parts.append(text[start:])
    return "".join(parts)


def markdown_excerpt(text, *, characters):
    """The start of a Markdown text for a list that links to the whole (an update on the
    project's timeline): (text, whether it was cut). Cut at the last paragraph break, else the
    last space, in the second half of `characters`, so that no word or link is cut in two when
    avoidable; marked "…"."""
    text = (text or "").strip()
    if len(text) <= characters:
        return text, False
    head = text[:characters]
    cut = head.rfind("\n\n")
    if cut < characters // 2:
        cut = max(head.rfind(" "), head.rfind("\n"))
    if cut < characters // 2:
        cut = characters
    return head[:cut].rstrip() + " …", True


def markdown_html(text):
    """Markdown rendered, then sanitised by nh3: no scripts, no styles, no event attributes, links
    marked as the members' own (nofollow, ugc), and images only from our own uploads: an image
    from anywhere else is shown as a link to it (README "Content Security Policy")."""
    rendered = MARKDOWN.render(within_bound(text or "")).rstrip("\n")
    # nh3's default tags and attributes load nothing but <img src>: no srcset, <picture>, <video>,
    # <audio>, <iframe>, <object>, <link>, <meta> or style attribute (core/tests/test_rich_text.py).
    cleaned = nh3.clean(rendered, link_rel=LINK_REL)
    if "<img" not in cleaned:
        return mark_safe(cleaned)
    # Images from other hosts become links (a tracking pixel would tell that host who reads the
    # page, the feed or the email); a second pass cleans those links, and drops any image source
    # that is not ours whatever the first pass left.
    linked = _foreign_images_as_links(cleaned)
    return mark_safe(nh3.clean(linked, link_rel=LINK_REL, attribute_filter=_own_images_only))


# --- Kept rendered: the page of a popular project renders no Markdown twice -------------------

# Rendering is a pure function of the text and of where our images live (SITE_URL, MEDIA_URL). The
# long texts a page shows on every request (a story, the latest updates: ~4 ms per 1 000
# characters) are kept rendered in this process, the most recently used first: at most
# KEPT_TEXTS of them (a few MB at their longest). Short texts cost less to render than to look up.
# Kept per process, never in the shared cache: a new release, which may sanitise differently,
# starts with none.
KEPT_FROM_CHARACTERS = 500
KEPT_TEXTS = 128


def markdown_html_kept(text):
    """markdown_html(text), kept rendered in this process when the text is long."""
    text = text or ""
    if len(text) < KEPT_FROM_CHARACTERS:
        return markdown_html(text)
    return _markdown_html_kept(text, settings.SITE_URL, settings.MEDIA_URL)


@functools.lru_cache(maxsize=KEPT_TEXTS)
def _markdown_html_kept(text, site_url, media_url):
    return markdown_html(text)
