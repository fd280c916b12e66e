"""Members' Markdown as HTML: nothing in it loads from another host (a tracking pixel tells that
host who reads the page, the feed or the email). An image from elsewhere becomes a link to it; our
own uploads stay images; no other tag or attribute can fetch anything. And the PDFs, which draw
that HTML, never fetch a URL outside our folders."""

from html.parser import HTMLParser
from pathlib import Path

import pytest

from core.pdf import BASE_URL, LocalURLFetcher
from core.rich_text import LINK_REL, is_own_image, markdown_html

HOST = "other.host"
PIXEL = f"http://{HOST}/pixel.png"


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def loads_from(html, host=HOST):
    """Every attribute of `html` that names `host` and is not a link's href (which a browser only
    follows when the reader clicks): [] when reading the HTML fetches nothing from that host."""
    parser = _Attributes()
    parser.feed(str(html))
    parser.close()
    return [(tag, name, value) for tag, name, value in parser.found if host in value and (tag, name) != ("a", "href")]


# Every way of making a browser fetch a URL that HTML has: none must survive.
LOADING_HTML = [
    f'<img src="{PIXEL}">',
    f'<IMG SRC="&#104;ttp://{HOST}/pixel.png">',
    f'<img src="/media/a.png" srcset="{PIXEL} 2x">',
    f'<picture><source srcset="{PIXEL}"><img src="/media/a.png"></picture>',
    f'<video poster="{PIXEL}" src="http://{HOST}/v.mp4"><source src="http://{HOST}/v.webm"></video>',
    f'<audio src="http://{HOST}/a.mp3"></audio>',
    f'<iframe src="http://{HOST}/"></iframe>',
    f'<object data="http://{HOST}/o.swf"></object><embed src="http://{HOST}/e.swf">',
    f'<link rel="stylesheet" href="http://{HOST}/s.css"><link rel="prefetch" href="http://{HOST}/p">',
    f'<meta http-equiv="refresh" content="0;url=http://{HOST}/">',
    f'<div style="background: url({PIXEL})">x</div><p style="background-image:url(\'{PIXEL}\')">y</p>',
    f"<style>body {{ background: url({PIXEL}) }}</style>",
    f'<svg><image href="{PIXEL}"/><use href="http://{HOST}/s.svg#a"/></svg>',
    f'<table background="{PIXEL}"><tr><td background="{PIXEL}">c</td></tr></table>',
    f'<input type="image" src="{PIXEL}"><base href="http://{HOST}/">',
    f'<a href="http://{HOST}/" ping="http://{HOST}/ping">l</a>',
    f'<form action="http://{HOST}/"><button formaction="http://{HOST}/">b</button></form>',
    f'<script src="http://{HOST}/s.js"></script>',
]


@pytest.mark.parametrize("payload", LOADING_HTML)
def test_no_tag_or_attribute_loads_anything_from_another_host(payload):
    html = markdown_html(f"Story\n\n{payload}\n\nEnd")
    assert loads_from(html) == []
    assert "<img" not in html or 'src="/media/a.png"' in html


def test_a_markdown_image_from_another_host_becomes_a_link_with_its_alt_text():
    html = markdown_html(f"Look: ![the new classroom]({PIXEL})")
    assert html == f'<p>Look: <a href="{PIXEL}" rel="{LINK_REL}">the new classroom</a></p>'


def test_a_raw_img_from_another_host_becomes_a_link_named_by_its_address_without_alt_text():
    html = markdown_html(f'<img src="{PIXEL}" width="1" height="1">')
    # Alone on its line, raw HTML is a block of its own in CommonMark: no <p> around it.
    assert html == f'<a href="{PIXEL}" rel="{LINK_REL}">{PIXEL}</a>'


def test_an_image_inside_a_link_leaves_its_alt_text_in_the_link():
    html = markdown_html(f"[![our badge]({PIXEL})](https://example.org/page)")
    assert html == f'<p><a href="https://example.org/page" rel="{LINK_REL}">our badge</a></p>'
    assert loads_from(html) == []


def test_alt_text_is_escaped_in_the_link():
    html = markdown_html(f'<img src="{PIXEL}" alt="&lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;">')
    assert "<script" not in html
    assert f'<a href="{PIXEL}" rel="{LINK_REL}">&lt;script&gt;alert(1)&lt;/script&gt; "x"</a>' in html


@pytest.mark.parametrize(
    "src",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_data_and_javascript_images_are_dropped_never_linked(src):
    html = markdown_html(f'![a pixel]({src}) <img src="{src}" alt="b">')
    assert "<img" not in html
    assert "href" not in html
    assert src.split(":")[0].lower() not in html.lower()
    assert "a pixel" in html


def test_our_own_uploads_stay_images(settings):
    settings.SITE_URL = "https://tiwizi.example"
    html = markdown_html(
        "![the classroom](/media/photos/classe.jpg) ![the walls](https://tiwizi.example/media/photos/murs.jpg)"
    )
    assert '<img alt="the classroom" src="/media/photos/classe.jpg">' in html
    assert '<img alt="the walls" src="https://tiwizi.example/media/photos/murs.jpg">' in html


@pytest.mark.parametrize(
    "src",
    [
        "//other.host/media/x.png",  # protocol-relative: another host
        "/\\other.host/media/x.png",  # browsers read a backslash as a slash: //other.host
        "/media/../accounts/logout/",
        "/media/%2e%2e/accounts/logout/",
        "/media//other.host/x.png",
        "/media/a b.png",
        "/static/css/tiwizi.css",  # ours, but not an upload
        "/p/tighzit/",
        "photos/relative.png",
        "https://tiwizi.example.other.host/media/x.png",
        "http://tiwizi.example/media/x.png",  # another scheme than the site's
        "https://tiwizi.example:8443/media/x.png",
        "https://user@tiwizi.example/media/x.png",
    ],
)
def test_anything_else_is_not_an_own_image(settings, src):
    settings.SITE_URL = "https://tiwizi.example"
    assert not is_own_image(src)
    assert "<img" not in markdown_html(f"![x]({src})")


def test_text_that_looks_like_an_image_in_code_stays_text():
    html = markdown_html(f'`<img src="{PIXEL}">`\n\n    <img src="{PIXEL}">')
    assert "<img" not in html
    assert "&lt;img" in html
    assert loads_from(html) == []


# The PDFs' fetcher ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        PIXEL,
        f"https://{HOST}/pixel.png",
        f"//{HOST}/pixel.png",
        "ftp://other.host/x",
        "file:///etc/passwd",
        f"file://{HOST}/etc/passwd",
        BASE_URL + "../../config/settings.py",
        BASE_URL + "%2e%2e/%2e%2e/config/settings.py",
    ],
)
def test_pdfs_fetch_nothing_from_the_network_nor_outside_our_folders(url):
    with pytest.raises(ValueError, match="PDFs do not fetch"):
        LocalURLFetcher().fetch(url)


def test_pdfs_fetch_our_fonts_and_uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    for url in (BASE_URL + "NotoSans-Regular.ttf", (Path(tmp_path) / "logo.png").as_uri(), "data:text/plain,ok"):
        response = LocalURLFetcher().fetch(url)
        assert response.read()
        response.close()
