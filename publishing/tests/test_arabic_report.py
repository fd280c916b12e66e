"""The progress report in Arabic: right to left, its figures left to right, its letters joined;
and an Arabic project's report in French. The PDFs are read back with pypdf (how the joining of
letters is checked: receipts/tests/arabic_pdf.py)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.tests.factories import ProjectFactory
from publishing import selectors
from publishing.report import render_report_html
from publishing.tests.factories import ExpenseFactory
from receipts.tests.arabic_pdf import arabic_glyph_forms, embedded_faces, pdf_text

pytestmark = pytest.mark.django_db

STORY = "تاشديرت دوار صغير في أعالي الحوز، تسكنه نحو ستين أسرة. نريد أن نبني **خزانًا من الإسمنت**."


@pytest.fixture
def project():
    project = ProjectFactory(
        title="خزان ماء لدوار تاشديرت",
        slug="tachddirt",
        village="تاشديرت",
        region="الحوز",
        hashtag="ماء_تاشديرت",
        summary="خزان ماء وثلاث سقايات لستين أسرة.",
        story=STORY,
        currency="MAD",
    )
    cash = NeedFactory(project=project, cash=True, label="بناء الخزان", target_quantity=Decimal("48000"))
    NeedFactory(project=project, label="أكياس الإسمنت", unit="كيس", unit_plural="كيس", target_quantity=Decimal("120"))
    pledge = PledgeFactory(need=cash, quantity=Decimal("1250.50"), channel="bank_transfer")
    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("1250.50"), received_on=date(2026, 3, 2))
    ExpenseFactory(
        project=project,
        description="نقل الإسمنت على البغال",
        supplier="تعاونية أسني",
        amount=Decimal("600"),
        spent_on=date(2026, 3, 5),
    )
    return project


def report(client, language):
    response = client.get("/p/tachddirt/report.pdf", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_report_in_arabic_reads_right_to_left_with_its_figures_left_to_right(client, project):
    pdf = report(client, "ar")
    text = pdf_text(pdf)

    with translation.override("ar"):
        assert '<html lang="ar" dir="rtl">' in render_report_html(selectors.project_detail(slug="tachddirt"))
        headings = [gettext(heading) for heading in ("Progress report", "Needs", "Milestones", "Expenses")]
    assert all(heading in text for heading in headings), headings
    # Amounts as they are written: the goal, what arrived, the balance; not "MAD 48.000".
    for amount in ("48.000 MAD", "1.250,50 MAD", "650,50 MAD", "600 MAD"):
        assert amount in text, amount
    assert "MAD 48.000" not in text and "MAD 1.250,50" not in text
    assert "05/03/2026" in text  # the expense's date, in figures, left to right
    assert "خزان ماء لدوار تاشديرت" in text
    forms = arabic_glyph_forms(pdf)
    assert forms["contextual"] > forms["isolated"], forms


def test_the_report_is_in_each_visitors_language(client, project):
    arabic, french = report(client, "ar"), report(client, "fr")

    assert arabic != french
    with translation.override("fr"):
        assert gettext("Progress report") in pdf_text(french)
    # The French report of an Arabic project: French figures, the Arabic texts joined.
    assert "48 000 MAD" in pdf_text(french)
    forms = arabic_glyph_forms(french)
    assert forms["contextual"] > forms["isolated"], forms


def test_a_french_report_embeds_no_arabic_face(client):
    ProjectFactory(slug="tighzit", title="Classe de Tighzit")

    pdf = client.get("/p/tighzit/report.pdf", HTTP_ACCEPT_LANGUAGE="fr").content

    assert embedded_faces(pdf) == {("Noto Sans", "Regular"), ("Noto Sans", "Bold")}
