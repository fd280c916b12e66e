"""Receipts in Arabic, and in Arabic and French on one receipt: right to left, amounts and numbers
left to right, letters joined, the amount in words in both languages.

The PDFs are read back with pypdf (receipts/tests/arabic_pdf.py says how the joining of letters is
checked). Amounts are formatted as Django's Arabic locale does (1.250,50: Western digits, as in
Morocco). Inside Arabic text, WeasyPrint prints an amount that is not isolated in a span of its
own direction with its currency first ("MAD 1.250,50"): these tests fail if the isolation goes.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext
from weasyprint import CSS, HTML

from accounts.tests.factories import MemberFactory
from core.pdf import BASE_URL, FONT_CONFIG
from receipts.amount_words import amount_in_words
from receipts.delivery import receipt_pdf_file
from receipts.pdf import render_receipt_html, render_receipt_pdf
from receipts.tests.arabic_pdf import arabic_glyph_forms, embedded_faces, pdf_text
from receipts.tests.factories import IssuerFactory
from receipts.tests.test_receipts import cash_pledge, give_tax_identity, material_pledge, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def receipts_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tiwizi.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def pdf_of(receipt):
    receipt.refresh_from_db()
    with receipt_pdf_file(receipt=receipt).open("rb") as file:
        return file.read()


def in_language(language, message):
    with translation.override(language):
        return gettext(message)


def test_an_arabic_receipt_reads_right_to_left_with_its_amounts_left_to_right():
    issuer = IssuerFactory(language="ar")
    receipt = receive(cash_pledge(issuer=issuer, amount="1250.50"), "1250.50")
    pdf = pdf_of(receipt)
    text = pdf_text(pdf)

    assert '<html lang="ar" dir="rtl">' in render_receipt_html(receipt.snapshot)
    # The amount as it is written, not turned around by the Arabic around it.
    assert "1.250,50 MAD" in text
    assert "MAD 1.250,50" not in text and "MAD 250,50 1" not in text
    assert receipt.number in text
    for label in ("Receipt for a gift", "Received from", "Total received", "In words:"):
        assert in_language("ar", label).rstrip(":") in text, label
    assert "ألف ومئتان وخمسون درهمًا وخمسون سنتيمًا" in text
    # The French issuer's address stays in its own order ("12 rue…", not "rue… 12").
    assert "12 rue de la République" in text
    forms = arabic_glyph_forms(pdf)
    assert forms["contextual"] > forms["isolated"], forms
    assert ("Noto Sans Arabic", "Regular") in embedded_faces(pdf)


def test_a_bilingual_receipt_prints_each_text_in_arabic_and_in_french():
    issuer = IssuerFactory(language="ar", second_language="fr")
    donor = MemberFactory(handle="donatrice")
    receipt = receive(cash_pledge(issuer=issuer, amount="1250.50", donor=donor), "1250.50")
    pdf = pdf_of(receipt)
    text = pdf_text(pdf)

    assert (receipt.snapshot["language"], receipt.snapshot["second_language"]) == ("ar", "fr")
    assert '<html lang="ar" dir="rtl">' in render_receipt_html(receipt.snapshot)
    for label in ("Receipt for a gift", "Gift of money", "Total received", "Paid by:"):
        assert in_language("ar", label).rstrip(":") in text, label
        assert in_language("fr", label).rstrip(" :") in text, label
    assert "ألف ومئتان وخمسون درهمًا وخمسون سنتيمًا" in text
    assert "mille deux cent cinquante dirhams et cinquante centimes" in text
    assert "1.250,50 MAD" in text and "MAD 1.250,50" not in text
    # The table both languages share dates its gifts in figures, which both read.
    assert timezone.localdate().strftime("%d/%m/%Y") in text
    assert receipt.number in text and "@donatrice" in text
    forms = arabic_glyph_forms(pdf)
    assert forms["contextual"] > forms["isolated"], forms


def test_a_bilingual_receipt_for_material_counts_an_arabic_unit_right_to_left():
    issuer = IssuerFactory(language="ar", second_language="fr")
    pledge = material_pledge(issuer=issuer, unit_value="80", quantity="20")
    pledge.need.unit, pledge.need.unit_plural = "كيس", "كيس"
    pledge.need.save(update_fields=["unit", "unit_plural"])
    receipt = receive(pledge, "20")
    html = render_receipt_html(receipt.snapshot)

    # Its estimated value is a figure, left to right; "20 كيس" is Arabic text, read right to left.
    assert "1.600,00 MAD" in pdf_text(pdf_of(receipt))
    assert '<span class="qty">20 كيس</span>' in html


def test_a_tax_receipt_of_a_bilingual_issuer_is_in_french_only():
    issuer = IssuerFactory(tax=True, language="ar", second_language="fr")
    donor = MemberFactory()
    give_tax_identity(donor)
    receipt = receive(cash_pledge(issuer=issuer, donor=donor, amount="150", currency="EUR"), "150")
    pdf = pdf_of(receipt)

    assert receipt.snapshot["language"] == "fr" and "second_language" not in receipt.snapshot
    assert "cent cinquante euros" in pdf_text(pdf)
    # The Arabic faces are declared for every receipt, embedded only in those that draw with them.
    assert embedded_faces(pdf) == {("Noto Sans", "Regular"), ("Noto Sans", "Bold")}


def test_a_receipt_in_one_language_has_no_second_language_and_keeps_its_languages_when_the_issuer_adds_one():
    issuer = IssuerFactory(language="fr")
    receipt = receive(cash_pledge(issuer=issuer, amount="100"), "100")
    before = pdf_text(render_receipt_pdf(receipt.snapshot))

    assert "second_language" not in receipt.snapshot  # as receipts issued before bilingual ones
    issuer.second_language = "ar"
    issuer.save(update_fields=["second_language"])
    receipt.refresh_from_db()

    # What it prints comes from its snapshot: an issued receipt does not change.
    assert pdf_text(render_receipt_pdf(receipt.snapshot)) == before
    assert not arabic_glyph_forms(render_receipt_pdf(receipt.snapshot))


def test_an_issuer_s_second_language_differs_from_its_first():
    issuer = IssuerFactory(language="ar")
    issuer.second_language = "ar"

    with pytest.raises(ValidationError) as refused:
        issuer.full_clean()
    assert "La seconde langue des reçus doit être différente de la première." in str(refused.value)


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        # 1: the noun, then "one"; 2: the dual alone; 3 to 10: the plural; 11 to 99: the singular
        # accusative; round hundreds and thousands: the singular.
        ("1", "MAD", "درهم واحد"),
        ("2", "MAD", "درهمان"),
        ("3", "MAD", "ثلاثة دراهم"),
        ("11", "MAD", "أحد عشر درهمًا"),
        ("100", "MAD", "مائة درهم"),
        ("200", "MAD", "مئتا درهم"),
        ("1250", "MAD", "ألف ومئتان وخمسون درهمًا"),
        ("1250.50", "MAD", "ألف ومئتان وخمسون درهمًا وخمسون سنتيمًا"),
        ("0.01", "MAD", "صفر درهم وسنتيم واحد"),
        ("5000", "XOF", "خمسة آلاف فرنك إفريقي"),
        ("3", "XOF", "ثلاثة فرنكات إفريقية"),
        ("1250", "XOF", "ألف ومئتان وخمسون فرنكًا إفريقيًا"),
        ("2", "EUR", "يوروان"),
        ("150", "EUR", "مائة وخمسون يورو"),
    ],
)
def test_amounts_in_arabic_words_agree_with_their_number(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "ar") == words


def test_amounts_in_french_and_english_words_are_as_before():
    assert amount_in_words(Decimal("1250.50"), "MAD", "fr") == "mille deux cent cinquante dirhams et cinquante centimes"
    assert amount_in_words(Decimal("1"), "EUR", "en") == "one euro"
    assert amount_in_words(Decimal("5000"), "XOF", "fr") == "cinq mille francs CFA"


def render(template, language, **values):
    with translation.override(language):
        return Template("{% load tiwizi %}" + template).render(Context(values))


def test_figures_are_isolated_left_to_right_in_arabic_only():
    assert render("{{ amount|left_to_right }}", "fr", amount="1 250,50 MAD") == "1 250,50 MAD"
    assert render("{{ amount|left_to_right }}", "ar", amount="1.250,50 MAD") == '<span dir="ltr">1.250,50 MAD</span>'
    # Django's Arabic numeric date lays itself out right to left with marks; the span orders it.
    arabic_date = render('{{ day|date:"SHORT_DATE_FORMAT"|left_to_right }}', "ar", day=date(2026, 3, 5))
    assert arabic_date == '<span dir="ltr">05/03/2026</span>'
    # Arabic text with figures in it reads right to left: left alone.
    assert render("{{ quantity|left_to_right }}", "ar", quantity="20 كيس") == "20 كيس"
    assert render("{{ handle|left_to_right }}", "ar", handle="<b>") == '<span dir="ltr">&lt;b&gt;</span>'
    assert render("{{ nothing|left_to_right }}", "ar", nothing="") == ""


def test_typed_text_keeps_its_own_direction():
    address = "12 rue de la République"
    assert render("{{ text|in_own_direction }}", "fr", text=address) == address
    assert render("{{ text|in_own_direction }}", "ar", text=address) == f'<span dir="ltr">{address}</span>'
    title = "خزان ماء لدوار تاشديرت"
    assert render("{{ text|in_own_direction }}", "ar", text=title) == title
    assert render("{{ text|in_own_direction }}", "fr", text=title) == f'<span dir="rtl">{title}</span>'
    assert render("{{ text|in_own_direction }}", "ar", text="A & B") == '<span dir="ltr">A &amp; B</span>'


def test_the_shaping_check_tells_joined_letters_from_letters_typed_apart():
    """The check of the other tests, on the same words drawn joined and, with the joining features
    of the font turned off, apart: only the first has contextual forms."""
    stylesheet = CSS(
        string="@font-face { font-family: A; src: url(NotoSansArabic-Regular.ttf) } html { font-family: A }",
        base_url=BASE_URL,
        font_config=FONT_CONFIG,
    )

    def forms(style):
        html = f'<html lang="ar" dir="rtl"><p style="{style}">إيصال تبرّع نقدي للمشروع</p></html>'
        pdf = HTML(string=html, base_url=BASE_URL).write_pdf(stylesheets=[stylesheet], font_config=FONT_CONFIG)
        return arabic_glyph_forms(pdf)

    joined, apart = forms(""), forms("font-feature-settings: 'init' 0, 'medi' 0, 'fina' 0")
    assert joined["contextual"] > joined["isolated"] > 0
    assert apart["contextual"] == 0 and apart["isolated"] == sum(joined.values())
