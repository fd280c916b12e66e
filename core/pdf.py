"""What every PDF of Tiwizi shares when WeasyPrint draws it (receipts, the progress report).

- One FontConfiguration for the process: a new one per render leaks memory (61 MB after one
  receipt, 171 MB after 300) and costs time (../shared/FINDINGS.md, measured here).
- One render at a time per process: Pango and fontconfig objects are shared through that
  configuration, and rendering holds the GIL anyway, so a threaded server loses nothing.
- Stylesheets parsed once, with that configuration, their fonts from our folder only.
- A fetcher that reads only our fonts, files under MEDIA_ROOT and inline images: a document
  never fetches anything from the network or elsewhere on disk.
"""

import functools
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
BASE_URL = FONTS_DIR.as_uri() + "/"
FONT_CONFIG = FontConfiguration()
render_lock = threading.Lock()


class LocalURLFetcher(URLFetcher):
    """Only our fonts, files under MEDIA_ROOT (an issuer's logo) and inline images."""

    def __init__(self):
        super().__init__(allowed_protocols=("file", "data"))

    def fetch(self, url, headers=None):
        if not (url.startswith("data:") or self._is_local_file(url)):
            raise ValueError(f"PDFs do not fetch {url}")
        return super().fetch(url, headers)

    @staticmethod
    def _is_local_file(url):
        # The path as the file system will read it (%2e%2e and .. resolved): a URL that starts with
        # our folder's may still lead out of it.
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(parts.path)).resolve()
        return any(path.is_relative_to(folder) for folder in (FONTS_DIR.resolve(), Path(settings.MEDIA_ROOT).resolve()))


@functools.cache
def stylesheet(path):
    """A document's stylesheet, parsed once per process."""
    return CSS(
        string=Path(path).read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=LocalURLFetcher(),
        font_config=FONT_CONFIG,
    )
