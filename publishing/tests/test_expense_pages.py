"""The expense pages: a lead records and corrects on the page, others get 403 or 404, and anyone
sees collected, spent and balance, the list with its corrections and scans, in flat queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import MemberFactory
from donations.models import CardRefund, Pledge
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from payments.models import CardPayment
from projects.models import Project
from projects.tests.factories import ProjectFactory
from publishing.expenses import expense_correct
from publishing.models import Expense
from publishing.tests.test_expenses import figures, record

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the site's default is French)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def lead():
    return MemberFactory(handle="lead_tighzit")


@pytest.fixture
def project(lead):
    """A MAD project that received 3 000 MAD cash, of which 500 went back to a card donor."""
    project = ProjectFactory(created_by=lead, slug="tighzit", currency="MAD")
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("10000"))
    cash = PledgeFactory(need=fund, quantity=Decimal("2000"), channel=Pledge.Channel.CASH_IN_HAND)
    ReceptionFactory(pledge=cash, quantity=Decimal("2000"))
    card = PledgeFactory(need=fund, quantity=Decimal("1000"), channel=Pledge.Channel.CARD)
    paid = ReceptionFactory(pledge=card, quantity=Decimal("1000"))
    CardPayment.objects.create(
        pledge=card, amount_minor=100000, currency="MAD", status=CardPayment.Status.PAID, reception=paid
    )
    CardRefund.objects.create(pledge=card, need=fund, quantity=Decimal("500"))
    # Material received is not money collected.
    ReceptionFactory(pledge=PledgeFactory(need=NeedFactory(project=project), quantity=Decimal("50")))
    return project


# --- Pages -------------------------------------------------------------------------------------


def expense_form(**overrides):
    data = {
        "description": "Tables et chaises",
        "supplier": "Menuiserie Tahannaout",
        "amount": "1 500,50",
        "spent_on": (TODAY() - timedelta(days=1)).isoformat(),
        "need": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_lead_records_an_expense_on_the_page(client, login, project, lead):
    login(lead)
    url = reverse("publishing:expense_add", kwargs={"slug": project.slug})

    assert client.get(url).status_code == 200
    response = client.post(url, expense_form())

    assert response.status_code == 302
    assert response.url == reverse("publishing:expenses", kwargs={"slug": project.slug})
    expense = Expense.objects.get()
    assert expense.amount == Decimal("1500.50")
    assert expense.description == "Tables et chaises"


@pytest.mark.django_db
def test_a_future_date_on_the_page_is_a_form_error(client, login, project, lead):
    login(lead)
    url = reverse("publishing:expense_add", kwargs={"slug": project.slug})

    response = client.post(url, expense_form(spent_on=(TODAY() + timedelta(days=3)).isoformat()))

    assert response.status_code == 200
    assert "cannot be in the future" in " ".join(response.context["form"].errors["spent_on"])
    assert not Expense.objects.exists()


@pytest.mark.django_db
def test_donor_gets_403_and_a_stranger_404_on_a_draft(client, login, project, lead):
    donor = Pledge.objects.filter(need__project=project).first().donor
    expense = record(project, lead)
    add_url = reverse("publishing:expense_add", kwargs={"slug": project.slug})
    correct_url = reverse("publishing:expense_correct", kwargs={"slug": project.slug, "expense_id": expense.pk})

    login(donor)
    assert client.get(add_url).status_code == 403
    assert client.post(add_url, expense_form()).status_code == 403
    assert client.post(correct_url, {**expense_form(), "reason": "x"}).status_code == 403

    draft = ProjectFactory(status=Project.Status.DRAFT)
    assert client.get(reverse("publishing:expenses", kwargs={"slug": draft.slug})).status_code == 404
    assert client.get(reverse("publishing:expense_add", kwargs={"slug": draft.slug})).status_code == 404
    assert Expense.objects.count() == 1


@pytest.mark.django_db
def test_a_lead_of_another_project_cannot_correct_its_expenses(client, login, project, lead):
    expense = record(project, lead)
    other = ProjectFactory()
    login(other.created_by)

    # Through their own project's URL, the expense is not found; through its own, not theirs.
    mine = reverse("publishing:expense_correct", kwargs={"slug": other.slug, "expense_id": expense.pk})
    theirs = reverse("publishing:expense_correct", kwargs={"slug": project.slug, "expense_id": expense.pk})
    assert client.post(mine, {**expense_form(), "reason": "x"}).status_code == 404
    assert client.post(theirs, {**expense_form(), "reason": "x"}).status_code == 403
    assert Expense.objects.count() == 1


@pytest.mark.django_db
def test_a_lead_corrects_an_expense_on_the_page(client, login, project, lead):
    expense = record(project, lead, amount="1200")
    login(lead)
    url = reverse("publishing:expense_correct", kwargs={"slug": project.slug, "expense_id": expense.pk})

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == "1200"
    response = client.post(url, expense_form(amount="1100", reason="Remise du fournisseur"))

    assert response.status_code == 302
    assert sorted(Expense.objects.values_list("amount", flat=True)) == [
        Decimal("-1200"),
        Decimal("1100"),
        Decimal("1200"),
    ]
    # A second correction of the same entry is turned away with a message.
    again = client.post(url, expense_form(amount="1000", reason="Encore"), follow=True)
    assert "cannot be corrected" in again.content.decode()
    assert Expense.objects.count() == 3


@pytest.mark.django_db
def test_a_correction_changing_nothing_is_refused(client, login, project, lead):
    expense = record(project, lead, amount="1200")
    login(lead)
    url = reverse("publishing:expense_correct", kwargs={"slug": project.slug, "expense_id": expense.pk})
    unchanged = {
        "description": expense.description,
        "supplier": expense.supplier,
        "amount": "1200",
        "spent_on": expense.spent_on.isoformat(),
        "reason": "Rien",
    }

    response = client.post(url, unchanged)

    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()
    # Ticking "cancel it" records the reversal alone.
    assert client.post(url, {**unchanged, "withdraw": "on"}).status_code == 302
    assert figures(project)[0][2] == Decimal("0")


@pytest.mark.django_db
def test_the_project_page_shows_collected_spent_and_balance(client, project, lead):
    record(project, lead, amount="1200")

    page = client.get(project.get_absolute_url()).content.decode()

    shown = " ".join(page.split())
    assert "<dt>Collected</dt><dd>2,500 MAD</dd>" in shown
    assert "<dt>Spent</dt><dd>1,200 MAD</dd>" in shown
    assert '<dd class="balance">1,300 MAD</dd>' in shown
    spending = client.get(project.get_absolute_url()).context["spending"]
    assert [(row.collected, row.spent, row.balance) for row in spending] == [
        (Decimal("2500"), Decimal("1200"), Decimal("1300"))
    ]
    assert reverse("publishing:expenses", kwargs={"slug": project.slug}) in page


@pytest.mark.django_db
def test_the_expense_list_shows_corrections_and_scans_to_everyone(client, project, lead):
    expense = record(project, lead, amount="1200", description="Ciment")
    expense_correct(expense=expense, actor=lead, reason="Montant mal saisi", amount=Decimal("1100"))

    response = client.get(reverse("publishing:expenses", kwargs={"slug": project.slug}))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Montant mal saisi" in page
    assert "corrected" in page
    assert "cancels “Ciment”" in page
    # Anonymous visitors get no "Correct" link.
    assert reverse("publishing:expense_correct", kwargs={"slug": project.slug, "expense_id": expense.pk}) not in page


@pytest.mark.django_db
def test_expense_list_queries_do_not_grow_with_rows(client, login, project, lead, django_assert_max_num_queries):
    login(lead)
    url = reverse("publishing:expenses", kwargs={"slug": project.slug})
    need = project.needs.first()

    def add(count):
        for number in range(count):
            expense = record(project, lead, amount=str(100 + number), need=need if number % 2 else None)
            if number % 3 == 0:
                expense_correct(expense=expense, actor=lead, reason="Montant", amount=Decimal("50"))

    add(3)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    add(20)
    with django_assert_max_num_queries(20) as many:
        response = client.get(url)

    assert len(response.context["expenses"]) == 25
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.django_db
def test_the_timeline_partial_shows_an_expense_and_its_correction(project, lead):
    from django.template.loader import render_to_string

    expense = record(project, lead, amount="1200", description="Ciment")
    reversal, _replacement = expense_correct(expense=expense, actor=lead, reason="Doublon")

    shown = render_to_string("publishing/timeline/_expense.html", {"entry": expense.entry, "project": project})
    corrected = render_to_string("publishing/timeline/_expense.html", {"entry": reversal.entry, "project": project})

    assert "Ciment" in shown and "Quincaillerie Asni" in shown
    assert "Correction: Doublon" in corrected
    assert "-1" in corrected  # the negative amount
