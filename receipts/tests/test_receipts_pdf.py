"""The receipt PDF's fast path: the template writes well-formed XHTML, parsed by expat.

If a template edit (or a translation) broke well-formedness, receipts would still render through
the HTML5 parser, only slower, with a warning in the log: these tests catch it first.
"""

import io
import logging
import xml.etree.ElementTree as ElementTree
from datetime import date

import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import MemberFactory
from core.pdf import BASE_URL, LocalURLFetcher
from receipts.pdf import ReceiptHTML, render_receipt_html, render_receipt_pdf
from receipts.tests.factories import IssuerFactory
from receipts.tests.test_receipts import cash_pledge, give_tax_identity, material_pledge, receive
from receipts.yearly import yearly_receipt_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def receipts_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tiwizi.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def every_kind_of_receipt():
    """One receipt of each shape the template has branches for, in English and French."""
    english, french = IssuerFactory(language="en"), IssuerFactory(language="fr")
    tax = IssuerFactory(tax=True)
    taxed_donor = MemberFactory()
    give_tax_identity(taxed_donor, name="Nadia Benali & fils")  # an ampersand, escaped
    material = material_pledge(issuer=french, unit_value="80")
    receive(material, "5")
    yearly_donor = MemberFactory()
    receive(cash_pledge(issuer=english, donor=yearly_donor, amount="10"), "10", received_on=date(2025, 3, 1))
    receive(cash_pledge(issuer=english, donor=yearly_donor, amount="20"), "20", received_on=date(2025, 4, 1))
    yearly, _ = yearly_receipt_issue(donor=yearly_donor, issuer=english, year=2025)
    return [
        receive(cash_pledge(issuer=english, amount="1250.50"), "1250.50"),
        receive(cash_pledge(issuer=french, amount="5000", currency="XOF"), "5000"),
        receive(cash_pledge(issuer=tax, donor=taxed_donor, amount="150", currency="EUR"), "150"),
        receive(material_pledge(issuer=tax, donor=taxed_donor), "20"),
        receive(material, "5"),  # a replacement, naming the receipt it replaces
        yearly,
    ]


def test_every_kind_of_receipt_is_well_formed_xhtml_and_takes_the_fast_path(caplog):
    assert timezone.localdate().year > 2025
    for receipt in every_kind_of_receipt():
        html = render_receipt_html(receipt.snapshot)
        ElementTree.fromstring(html)  # raises on anything not well-formed
        with caplog.at_level(logging.WARNING, logger="receipts.pdf"):
            pdf = render_receipt_pdf(receipt.snapshot)
        assert not caplog.records, receipt.snapshot
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert receipt.number in text and receipt.snapshot["verification_url"] in text.replace("\n", "")


def test_html_that_is_not_well_formed_still_renders_through_the_html5_parser(caplog):
    html = "<html><body><p>Fonds & matériel<br>deux lignes</body></html>"
    with caplog.at_level(logging.WARNING, logger="receipts.pdf"):
        document = ReceiptHTML.parse(html, base_url=BASE_URL, url_fetcher=LocalURLFetcher())
        pdf = document.write_pdf()
    assert "not well-formed" in caplog.text
    assert "Fonds & matériel" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
