"""Publishing's limits (publishing/limits.py): how many milestones, updates and expenses a project
has (counted under its lock by the service that adds one), how long their texts are, what the
project's timeline shows of a long update, what the progress report prints of a large project,
and amounts typed on the expense form read as members mean them."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from core.errors import DomainError
from projects.tests.factories import ProjectFactory
from publishing.expenses import expense_correct, expense_record
from publishing.limits import (
    EXPENSES_PER_PROJECT_MAX,
    MILESTONE_DESCRIPTION_MAX,
    MILESTONE_EVIDENCE_MAX,
    MILESTONES_PER_PROJECT_MAX,
    REPORT_EXPENSES_SHOWN,
    REPORT_STORY_CHARACTERS,
    UPDATE_BODY_MAX,
    UPDATE_EXCERPT_CHARACTERS,
    UPDATES_PER_PROJECT_MAX,
)
from publishing.milestones import milestone_create, milestone_update
from publishing.models import Expense, Milestone, Update
from publishing.updates import update_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def project():
    return ProjectFactory(slug="tighzit", currency="MAD")


@pytest.fixture
def lead(project):
    return project.created_by


def expenses(project, lead, count):
    Expense.objects.bulk_create(
        Expense(
            project=project,
            description=f"Achat {n}",
            amount=Decimal("10"),
            currency="MAD",
            spent_on=timezone.localdate() - timedelta(days=n),
            recorded_by=lead,
        )
        for n in range(count)
    )


def record(project, lead, description="Ciment"):
    return expense_record(
        project=project,
        actor=lead,
        description=description,
        supplier="",
        amount=Decimal("100"),
        spent_on=timezone.localdate(),
    )


# --- How many ------------------------------------------------------------------------------------


def test_a_project_takes_milestones_up_to_its_limit_and_refuses_one_more(project, lead):
    Milestone.objects.bulk_create(
        Milestone(project=project, title=f"Étape {n}", position=n) for n in range(MILESTONES_PER_PROJECT_MAX - 1)
    )

    milestone_create(project=project, actor=lead, title="La dernière")
    with pytest.raises(DomainError) as refused:
        milestone_create(project=project, actor=lead, title="Une de trop")

    assert refused.value.code == "too_many"
    assert str(refused.value.message) == f"A project has at most {MILESTONES_PER_PROJECT_MAX} milestones."
    assert project.milestones.count() == MILESTONES_PER_PROJECT_MAX


def test_a_project_takes_updates_up_to_its_limit_drafts_included(project, lead):
    Update.objects.bulk_create(
        Update(project=project, author=lead, title=f"N° {n}", body="Merci") for n in range(UPDATES_PER_PROJECT_MAX - 1)
    )

    update_create(project=project, actor=lead, title="La dernière", body="Merci", publish=True)
    with pytest.raises(DomainError) as refused:
        update_create(project=project, actor=lead, title="Une de trop", body="Merci")

    assert refused.value.code == "too_many"
    assert project.updates.count() == UPDATES_PER_PROJECT_MAX


def test_a_project_records_expenses_up_to_its_limit_and_can_still_withdraw_one(project, lead):
    expenses(project, lead, EXPENSES_PER_PROJECT_MAX - 1)
    last = record(project, lead, "Le dernier")

    with pytest.raises(DomainError) as refused:
        record(project, lead, "Un de trop")
    with pytest.raises(DomainError):
        expense_correct(expense=last, actor=lead, reason="Mauvais montant", amount=Decimal("90"))
    reversal, replacement = expense_correct(expense=last, actor=lead, reason="Enregistré par erreur")

    assert refused.value.code == "too_many"
    assert (reversal.amount, replacement) == (Decimal("-100"), None)
    assert project.expenses.filter(reverses__isnull=True).count() == EXPENSES_PER_PROJECT_MAX
    assert not project.expenses.filter(description="Un de trop").exists()


# --- How long ------------------------------------------------------------------------------------


def test_an_update_longer_than_its_limit_is_refused_on_the_page_and_by_the_service(client, project, lead):
    client.force_login(lead)

    response = client.post(
        reverse("publishing:update_add", args=[project.slug]),
        {"title": "Trop long", "body": "a" * (UPDATE_BODY_MAX + 1), "audience": "public"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    with pytest.raises(DomainError) as refused:
        update_create(project=project, actor=lead, title="Trop long", body="a" * (UPDATE_BODY_MAX + 1))

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert refused.value.field == "body"
    assert not Update.objects.exists()
    assert update_create(project=project, actor=lead, title="Juste", body="a" * UPDATE_BODY_MAX).body


@pytest.mark.parametrize(
    ("field", "limit"), [("description", MILESTONE_DESCRIPTION_MAX), ("evidence_note", MILESTONE_EVIDENCE_MAX)]
)
def test_a_milestones_texts_longer_than_their_limits_are_refused(project, lead, field, limit):
    milestone = milestone_create(project=project, actor=lead, title="Murs")
    values = {"title": "Murs", "description": "", "target_date": None, "status": "done", "evidence_note": ""}

    with pytest.raises(DomainError) as refused:
        milestone_update(milestone=milestone, actor=lead, **{**values, field: "a" * (limit + 1)})
    milestone_update(milestone=milestone, actor=lead, **{**values, field: "a" * limit})

    assert refused.value.field == field
    milestone.refresh_from_db()
    assert len(getattr(milestone, field)) == limit


def test_the_milestone_form_tells_the_browser_its_limits(client, project, lead):
    client.force_login(lead)

    page = client.get(reverse("publishing:milestone_add", args=[project.slug])).content.decode()

    assert f'maxlength="{MILESTONE_DESCRIPTION_MAX}"' in page


# --- What the timeline and the report show -------------------------------------------------------


def test_the_timeline_shows_the_start_of_a_long_update_and_links_to_the_whole(client, project, lead):
    paragraphs = "\n\n".join(f"Paragraphe {n} : " + "mot " * 60 for n in range(30))
    update = update_create(project=project, actor=lead, title="Long", body=paragraphs, publish=True)
    short = update_create(project=project, actor=lead, title="Court", body="Merci **à tous**.", publish=True)

    page = client.get(project.get_absolute_url()).content.decode()
    whole = client.get(reverse("publishing:update", args=[project.slug, update.pk])).content.decode()

    assert "Paragraphe 0 :" in page
    assert "Paragraphe 29 :" not in page
    assert page.count("Read the whole update") == 1
    assert reverse("publishing:update", args=[project.slug, update.pk]) in page
    assert "Merci <strong>à tous</strong>." in page
    assert "Paragraphe 29 :" in whole
    assert len(update.excerpt_html) < UPDATE_EXCERPT_CHARACTERS * 1.2
    assert short.excerpt_is_cut is False


def pdf_text(response):
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\xa0", " ").split())


def test_the_report_prints_the_start_of_a_long_story_and_the_latest_expenses(client, project, lead):
    project.story = "\n\n".join(f"Section {n} : " + "mot " * 50 for n in range(60))
    project.save()
    expenses(project, lead, REPORT_EXPENSES_SHOWN + 5)

    text = pdf_text(client.get(f"/p/{project.slug}/report.pdf", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Section 0 :" in text
    assert "Section 59 :" not in text
    assert "The whole story:" in text
    # Newest first in the database, shown oldest first: the newest REPORT_EXPENSES_SHOWN of them.
    assert "Achat 0 " in text and f"Achat {REPORT_EXPENSES_SHOWN - 1} " in text
    assert f"Achat {REPORT_EXPENSES_SHOWN} " not in text
    assert f"The latest {REPORT_EXPENSES_SHOWN} of {REPORT_EXPENSES_SHOWN + 5} entries." in text
    assert len(project.story) > REPORT_STORY_CHARACTERS


# --- Amounts typed on the expense form -----------------------------------------------------------


def expense_form(amount):
    return {
        "description": "Tables",
        "supplier": "",
        "amount": amount,
        "spent_on": timezone.localdate().isoformat(),
        "need": "",
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("１２", "Type the number with the digits 0 to 9."),
        ("१२", "Type the number with the digits 0 to 9."),
        ("1_000", "Enter an amount, e.g. 1500 or 1500.50."),
    ],
)
def test_the_expense_form_refuses_numbers_nobody_means(client, project, lead, typed, message):
    client.force_login(lead)

    response = client.post(reverse("publishing:expense_add", args=[project.slug]), expense_form(typed))

    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert not Expense.objects.exists()


@pytest.mark.parametrize(("typed", "expected"), [(" 12 ", "12"), ("1 500,50", "1500.50"), ("12.5", "12.5")])
def test_the_expense_form_reads_amounts_as_typed(client, project, lead, typed, expected):
    client.force_login(lead)

    response = client.post(reverse("publishing:expense_add", args=[project.slug]), expense_form(typed))

    assert response.status_code == 302
    assert Expense.objects.get().amount == Decimal(expected)


def test_the_expense_service_reads_text_as_the_form_does(project, lead):
    with pytest.raises(DomainError) as refused:
        expense_record(
            project=project, actor=lead, description="x", supplier="", amount="１２", spent_on=timezone.localdate()
        )

    assert str(refused.value.message) == "Type the number with the digits 0 to 9."
    assert not Expense.objects.exists()
