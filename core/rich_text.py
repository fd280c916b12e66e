"""Text that members write in Markdown (a project's story, an update), as safe HTML."""

import re
from html import escape, unescape
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from django.conf import settings
from django.utils.safestring import mark_safe

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


def markdown_html(text):
    """Markdown rendered, then sanitised by nh3: no scripts, no styles, no event attributes, links
    marked as the members' own (nofollow, ugc), and images only from our own uploads: an image
    from anywhere else is shown as a link to it (README "Content Security Policy")."""
    rendered = markdown.markdown(text or "", extensions=["extra", "sane_lists"])
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
