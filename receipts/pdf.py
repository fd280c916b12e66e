"""A receipt's PDF, drawn by WeasyPrint from the receipt's snapshot alone (no database query).

Fast because (measured, bench/receipts.py, docs/performance.md):
- one FontConfiguration for the process, and the stylesheet parsed once with it (core/pdf.py);
- a user-agent stylesheet of our own, parsed once: WeasyPrint's (18 KB, every element of HTML)
  is matched against each element on every render, for the half-dozen elements we use;
- the template writes well-formed XHTML, parsed by expat (C) instead of WeasyPrint's
  pure-Python HTML5 parser (the HTML5 parser stays as the fallback);
- no float: a float makes WeasyPrint measure the min-content width of every later line of
  its formatting context, so the number and the QR code are positioned absolutely;
- two faces of one bundled font (static/fonts, OFL), subset by HarfBuzz when Debian's
  libharfbuzz-subset0 is installed (the README says how), by fontTools — much slower — otherwise;
  the two faces of Noto Sans Arabic are declared after them, and embedded only in a receipt that
  has Arabic letters (a French receipt renders as fast as before: bench/receipts.py);
- the QR code is a PNG of one pixel per module, drawn without smoothing: as sharp as a vector
  when printed, without WeasyPrint parsing an SVG path in Python on every render;
- a lean document: few elements, one table.

Languages: the snapshot's "language", and "second_language" on a bilingual receipt (Arabic and
French: Issuer.second_language), each text then printed in both (templatetags/each_language.py).
Right to left in Arabic, with figures and typed texts each in its own direction
(core/templatetags/tiwizi.py).
"""

import base64
import io
import logging
import xml.etree.ElementTree as ElementTree
from datetime import date
from decimal import Decimal
from pathlib import Path

import cssselect2
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from weasyprint import CSS, HTML

from core.formatting import exact_money, in_unit
from core.pdf import BASE_URL, FONT_CONFIG, LocalURLFetcher, render_lock, stylesheet
from donations.models import Pledge, default_unit_plural
from receipts.amount_words import amount_in_words

STYLESHEET = Path(__file__).resolve().parent / "templates" / "receipts" / "receipt.css"

logger = logging.getLogger(__name__)

# What WeasyPrint's user-agent stylesheet does for the elements receipt.html uses, and nothing
# else (its own covers all of HTML: forms, lists, tables, bidi… matched on every render).
USER_AGENT_CSS = """
html, body, div, p, header, footer, h1 { display: block }
head { display: none }
[dir=ltr] { direction: ltr }
[dir=rtl] { direction: rtl }
b { font-weight: bold }
img { overflow: hidden }
h1 { font-weight: bold; bookmark-level: 1; bookmark-label: content(text); break-after: avoid; break-inside: avoid }
@page { @bottom-right { text-align: right; vertical-align: middle } }
"""
USER_AGENT_STYLESHEET = CSS(string=USER_AGENT_CSS)


class ReceiptHTML(HTML):
    """A receipt's document: our user-agent stylesheet, and a tree parsed by expat when it can."""

    def _ua_stylesheets(self, forms=False):
        return [USER_AGENT_STYLESHEET]

    @classmethod
    def parse(cls, html, *, base_url, url_fetcher):
        try:
            root = ElementTree.fromstring(html)
        except ElementTree.ParseError:
            # Not well-formed (a translation with a bare "&"?): the HTML5 parser reads anything.
            logger.warning("Receipt HTML is not well-formed XML: parsed as HTML5, more slowly")
            return cls(string=html, base_url=base_url, url_fetcher=url_fetcher)
        # What HTML.__init__ sets after parsing (WeasyPrint is pinned: tests render receipts).
        document = cls.__new__(cls)
        document.base_url = base_url
        document.url_fetcher = url_fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
        return document


def qr_data_uri(url):
    """The URL as a QR code: a PNG data URI with one pixel per module (scaled up by CSS)."""
    buffer = io.BytesIO()
    # A fixed mask: choosing the best of eight costs ~3 ms in pure Python; any mask scans alike.
    # make_qr: a URL never fits a Micro QR, so no time is spent trying one.
    segno.make_qr(url, error="m", mask=0).save(buffer, kind="png", scale=1, border=0)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _date(iso, format_name="DATE_FORMAT"):
    return formats.date_format(date.fromisoformat(iso), format_name, use_l10n=True) if iso else ""


def snapshot_languages(snapshot):
    """The receipt's languages, its own first: one, or two on a bilingual receipt."""
    second = snapshot.get("second_language")
    return [snapshot["language"], second] if second else [snapshot["language"]]


def _language_texts(snapshot, language):
    """What the receipt says in one of its languages, formatted in that language."""
    with translation.override(language):
        return {
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "issued_on": _date(snapshot["issued_on"]),
            "totals": [
                {"words": amount_in_words(Decimal(total["amount"]), total["currency"], language)}
                for total in snapshot["totals"]["cash"]
            ],
        }


def _channel(value):
    try:
        return Pledge.Channel(value).label
    except ValueError:
        return ""


# How the CERFA form names each way cash reaches the issuer.
TAX_PAYMENT_MODES = {
    Pledge.Channel.CASH_IN_HAND: "remise d’espèces",
    Pledge.Channel.BANK_TRANSFER: "virement, prélèvement, carte bancaire",
    Pledge.Channel.MOBILE_MONEY: "virement, prélèvement, carte bancaire",
    "card": "virement, prélèvement, carte bancaire",
}


def _tax_payment_modes(snapshot):
    modes = {TAX_PAYMENT_MODES.get(channel, "") for channel in snapshot.get("payment_methods", [])}
    return " ; ".join(sorted(mode for mode in modes if mode))


def _context(snapshot):
    """What the template prints, formatted for the receipt's (first) language; the texts of each
    of its languages in "texts", for {% in_each_language %} (receipts/templatetags)."""
    currency = snapshot.get("currency") or ""
    texts = [_language_texts(snapshot, language) for language in snapshot_languages(snapshot)]
    bilingual = len(texts) > 1
    # Two languages share the table of gifts: its dates in figures, which both read.
    line_date_format = "SHORT_DATE_FORMAT" if bilingual else "DATE_FORMAT"
    lines = []
    for line in snapshot["lines"]:
        line_currency = line.get("currency") or currency
        lines.append(
            {
                "date": _date(line["date"], line_date_format),
                "project": line.get("project", ""),
                "label": line["label"],
                "kind": line["kind"],
                "quantity": ""
                if line["kind"] in ("cash", "refund")
                else in_unit(
                    line["quantity"], line["unit"], line.get("unit_plural") or default_unit_plural(line["unit"])
                ),
                "value": exact_money(line["value"], line_currency) if line["value"] is not None else "",
            }
        )
    totals = [
        {"figures": exact_money(total["amount"], total["currency"]), "words": in_words["words"]}
        for total, in_words in zip(snapshot["totals"]["cash"], texts[0]["totals"], strict=True)
    ]
    estimated = snapshot["totals"].get("estimated")
    dates = sorted({line["date"] for line in snapshot["lines"] if line["date"]})
    return {
        "receipt": snapshot,
        "texts": texts,
        "bilingual": bilingual,
        "direction": texts[0]["direction"],
        "body_class": " ".join(
            name for name, wanted in (("yearly", snapshot["kind"] == "yearly"), ("bilingual", bilingual)) if wanted
        ),
        # The tax mentions print addresses on one line.
        "issuer_address_line": ", ".join(filter(None, map(str.strip, snapshot["issuer"]["address"].splitlines()))),
        "donor_address_line": ", ".join(filter(None, map(str.strip, snapshot["donor"]["address"].splitlines()))),
        "issuer": snapshot["issuer"],
        "donor": snapshot["donor"],
        "donor_handle": f"@{snapshot['donor']['handle']}",
        "projects": snapshot["projects"],
        "lines": lines,
        "several_projects": len({line.get("project") for line in snapshot["lines"]}) > 1,
        "has_quantities": any(line["quantity"] for line in lines),
        # A tax receipt for material values nothing: no column of empty values then.
        "has_values": any(line["value"] for line in lines),
        "totals": totals,
        "estimated": exact_money(estimated, currency) if estimated is not None and currency else "",
        "has_cash": bool(totals),
        "has_material": any(line["kind"] == "material" for line in snapshot["lines"]),
        "issued_on": _date(snapshot["issued_on"]),
        "first_date": _date(dates[0]) if dates else "",
        "last_date": _date(dates[-1]) if dates else "",
        "payment_method": _channel(snapshot.get("payment_method", "")),
        "tax_payment_modes": _tax_payment_modes(snapshot) if totals else "",
        "estimate_note": any(line["kind"] == "material" and line["value"] is not None for line in snapshot["lines"]),
        "total_colspan": 3 if any(line["quantity"] for line in lines) else 2,
        "qr": qr_data_uri(snapshot["verification_url"]),
        "logo": (Path(settings.MEDIA_ROOT) / snapshot["issuer"]["logo"]).resolve().as_uri()
        if snapshot["issuer"].get("logo")
        else "",
    }


def render_receipt_html(snapshot):
    with translation.override(snapshot["language"]):
        return render_to_string("receipts/receipt.html", _context(snapshot))


def render_receipt_pdf(snapshot):
    """The PDF of a receipt, as bytes."""
    html = render_receipt_html(snapshot)
    with render_lock:
        document = ReceiptHTML.parse(html, base_url=BASE_URL, url_fetcher=LocalURLFetcher())
        return document.write_pdf(stylesheets=[stylesheet(STYLESHEET)], font_config=FONT_CONFIG)
