"""The progress report PDF: the right figures, no donor, for whoever may see the project."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader
from weasyprint import HTML

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.services import reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.expenses import expense_correct, expense_record
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Milestone
from publishing.tests.factories import ExpenseFactory, MilestoneFactory


@pytest.fixture
def client(client):
    # Figures and texts in English: the translations are written separately.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def pdf_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # Non-breaking spaces and line breaks vary with layout: compare words with single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\xa0", " ").split())


@pytest.fixture
def project():
    lead = MemberFactory(handle="lead_tighzit")
    community = CommunityFactory(name="Twittoma")
    project = ProjectFactory(
        community=community,
        title="Classe de Tighzit",
        slug="tighzit",
        currency="MAD",
        created_by=lead,
        story="We build **a classroom** for 30 children.",
    )
    cash = NeedFactory(project=project, cash=True, label="Fonds de construction", target_quantity=Decimal("40000"))
    desks = NeedFactory(project=project, label="pupitre", unit="desk", target_quantity=Decimal("30"))
    # Three supporters: two on the cash need (one anonymous), one bringing desks.
    first = PledgeFactory(
        need=cash, donor=MemberFactory(handle="generous_ali"), quantity=Decimal("20000"), channel="bank_transfer"
    )
    PledgeFactory(
        need=cash,
        donor=MemberFactory(handle="discreet_sara"),
        quantity=Decimal("5000"),
        channel="bank_transfer",
        visibility=Pledge.Visibility.ANONYMOUS,
    )
    desk_pledge = PledgeFactory(need=desks, donor=MemberFactory(handle="desk_maker"), quantity=Decimal("12"))
    reception_record(pledge=first, actor=lead, quantity=Decimal("15000"), received_on=date(2026, 3, 2))
    reception_record(pledge=desk_pledge, actor=lead, quantity=Decimal("12"), received_on=date(2026, 3, 5))
    milestone_create(project=project, actor=lead, title="Terrain obtenu")
    walls = milestone_create(project=project, actor=lead, title="Murs", target_date=date(2026, 9, 30))
    land = walls.project.milestones.get(title="Terrain obtenu")
    milestone_update(
        milestone=land,
        actor=lead,
        title=land.title,
        description="",
        target_date=None,
        status=Milestone.Status.DONE,
        evidence_note="Acte signé",
        done_on=date(2026, 2, 14),
    )
    # 4 200 typed instead of 2 400: corrected by a reversal and the right entry.
    wrong = expense_record(
        project=project,
        actor=lead,
        description="Ciment",
        supplier="Souk Tiznit",
        amount=Decimal("4200"),
        spent_on=date(2026, 3, 10),
    )
    expense_correct(expense=wrong, actor=lead, reason="Erreur de saisie", amount=Decimal("2400"))
    return project


@pytest.mark.django_db
def test_report_holds_the_figures_of_needs_milestones_expenses_and_balance(client, project):
    text = pdf_text(client.get("/p/tighzit/report.pdf"))

    assert "Classe de Tighzit" in text
    assert "Twittoma" in text
    assert "Tighzit, Al Haouz, MA" in text
    assert "We build a classroom for 30 children." in text
    # Needs: goal, pledged, received, still missing.
    assert "Fonds de construction 40,000 MAD 25,000 MAD 15,000 MAD 15,000 MAD" in text
    assert "Pupitre 30 desks 12 desks 12 desks 18 desks" in text
    # One cash need: no "total in money" repeating it, and none under the desks.
    assert "Total in money" not in text
    # Milestones with their dates.
    assert "Terrain obtenu Acte signé Done — Feb. 14, 2026" in text
    assert "Murs Planned Sept. 30, 2026 —" in text
    # Expenses, the correction shown as such, and the balance: 15 000 collected − 2 400 spent.
    assert "03/10/2026 Ciment Souk Tiznit 4,200 MAD" in text
    assert "03/10/2026 Correction of “Ciment”: Erreur de saisie Souk Tiznit -4,200 MAD" in text
    assert text.count("03/10/2026 Ciment Souk Tiznit 2,400 MAD") == 1
    assert "MAD 15,000 MAD 2,400 MAD 12,600 MAD" in text
    assert "3 supporters" in text
    with translation.override("en"):
        assert f"Generated on {formats.date_format(timezone.localdate(), 'DATE_FORMAT')}" in text


@pytest.mark.django_db
def test_report_names_no_donor(client, project):
    text = pdf_text(client.get("/p/tighzit/report.pdf"))

    for handle in ("generous_ali", "discreet_sara", "desk_maker"):
        assert handle not in text
    assert "private.example" not in text


@pytest.mark.django_db
def test_report_is_for_whoever_may_see_the_project(client, login):
    draft = ProjectFactory(slug="brouillon", status=Project.Status.DRAFT)

    assert client.get("/p/brouillon/report.pdf").status_code == 404
    assert client.get("/p/unknown/report.pdf").status_code == 404
    assert "Project" in pdf_text(login(draft.created_by).get("/p/brouillon/report.pdf"))


@pytest.mark.django_db
def test_report_is_in_the_visitors_language(client, project):
    text = pdf_text(client.get("/p/tighzit/report.pdf", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "40 000 MAD" in text


@pytest.mark.django_db
def test_report_reads_a_fixed_number_of_queries(client, project, django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as first:
        client.get("/p/tighzit/report.pdf")
    for number in range(5):
        MilestoneFactory(project=project, title=f"Étape {number}")
        ExpenseFactory(project=project, description=f"Achat {number}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/p/tighzit/report.pdf")


@pytest.mark.django_db
def test_report_is_laid_out_again_when_a_figure_changes_and_not_otherwise(client, project, monkeypatch):
    first = client.get("/p/tighzit/report.pdf").content
    rendered = []
    original_write_pdf = HTML.write_pdf
    monkeypatch.setattr(
        HTML, "write_pdf", lambda self, *a, **k: rendered.append(1) or original_write_pdf(self, *a, **k)
    )

    assert client.get("/p/tighzit/report.pdf").content == first
    assert rendered == []  # the cached PDF: nothing it shows changed

    pledge = Pledge.objects.get(donor__handle="discreet_sara")
    reception_record(pledge=pledge, actor=project.created_by, quantity=Decimal("5000"))
    text = pdf_text(client.get("/p/tighzit/report.pdf"))
    assert rendered == [1]
    assert "Fonds de construction 40,000 MAD 25,000 MAD 20,000 MAD 15,000 MAD" in text
