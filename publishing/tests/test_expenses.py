"""Expenses: leads record what they spent; anyone sees collected, spent and balance per currency;
a correction is a reversing entry plus a new one, and nothing is ever deleted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from donations.models import CardRefund, Pledge
from donations.tests.factories import NeedFactory, PledgeFactory, ReceptionFactory
from payments.models import CardPayment
from projects.models import Project
from projects.services import project_update
from projects.tests.factories import ProjectFactory, make_moderator
from publishing.expenses import expense_correct, expense_record, project_spending
from publishing.models import Expense, TimelineEntry
from publishing.selectors import project_detail
from publishing.tests.factories import ExpenseFactory

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


def record(project, lead, amount="1200", **overrides):
    arguments = {
        "project": project,
        "actor": lead,
        "description": "20 sacs de ciment",
        "supplier": "Quincaillerie Asni",
        "amount": Decimal(amount),
        "spent_on": TODAY() - timedelta(days=2),
    }
    arguments.update(overrides)
    return expense_record(**arguments)


def figures(project):
    return [(row.currency, row.collected, row.spent, row.balance) for row in project_spending(project)]


# --- Recording ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_records_an_expense_in_the_project_currency_with_its_timeline_entry(project, lead):
    need = project.needs.get(kind="cash")

    expense = record(project, lead, amount="1200.50", need=need)

    expense.refresh_from_db()
    assert expense.amount == Decimal("1200.50")
    assert expense.currency == "MAD"
    assert expense.need == need
    assert expense.recorded_by == lead
    entry = TimelineEntry.objects.get(expense=expense)
    assert entry.kind == TimelineEntry.Kind.EXPENSE
    assert entry.project == project
    # On the timeline when recorded, not on the (earlier) day of spending.
    assert entry.at == expense.recorded_at
    assert entry.at.date() >= expense.spent_on


@pytest.mark.django_db
def test_collected_spent_and_balance_use_net_cash_received(project, lead):
    assert figures(project) == [("MAD", Decimal("2500"), Decimal("0"), Decimal("2500"))]

    record(project, lead, amount="1200")
    record(project, lead, amount="300.25")

    # 2 000 + 1 000 received − 500 refunded = 2 500 collected; 1 500.25 spent.
    assert figures(project) == [("MAD", Decimal("2500"), Decimal("1500.25"), Decimal("999.75"))]
    # The project page's annotated project gives the same figures without a query.
    annotated = project_detail(slug=project.slug)
    assert figures(annotated) == [("MAD", Decimal("2500"), Decimal("1500.25"), Decimal("999.75"))]


@pytest.mark.django_db
def test_spending_is_per_currency_and_never_mixes_projects(project, lead):
    # A row in another currency (written before the currency rule existed): summed apart.
    ExpenseFactory(project=project, amount=Decimal("40"), currency="EUR", recorded_by=lead)
    record(project, lead, amount="1000")
    other = ProjectFactory(currency="XOF")
    ExpenseFactory(project=other, amount=Decimal("5000"), recorded_by=other.created_by)

    assert figures(project) == [
        ("MAD", Decimal("2500"), Decimal("1000"), Decimal("1500")),
        ("EUR", Decimal("0"), Decimal("40"), Decimal("-40")),
    ]
    assert figures(other) == [("XOF", Decimal("0"), Decimal("5000"), Decimal("-5000"))]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("12.345")}, "amount"),
        ({"amount": Decimal("1000000000000")}, "amount"),
        ({"description": "   "}, "description"),
        ({"spent_on": None}, "spent_on"),
    ],
)
@pytest.mark.django_db
def test_bad_values_are_refused_and_nothing_is_written(project, lead, overrides, field):
    with pytest.raises(DomainError) as refused:
        record(project, lead, **overrides)

    assert refused.value.field == field
    assert not Expense.objects.exists()
    assert not TimelineEntry.objects.filter(kind="expense").exists()


@pytest.mark.django_db
def test_an_expense_dated_in_the_future_is_refused(project, lead):
    with pytest.raises(DomainError, match="cannot be in the future") as refused:
        record(project, lead, spent_on=TODAY() + timedelta(days=1))

    assert refused.value.field == "spent_on"
    assert not Expense.objects.exists()
    # Today is fine.
    assert record(project, lead, spent_on=TODAY()).spent_on == TODAY()


@pytest.mark.django_db
def test_xof_expenses_have_no_cents(lead):
    project = ProjectFactory(created_by=lead, currency="XOF")

    with pytest.raises(DomainError, match="whole amount"):
        record(project, lead, amount="5000.50")
    assert record(project, lead, amount="5000").amount == Decimal("5000")


@pytest.mark.django_db
def test_the_need_must_be_one_of_the_project(project, lead):
    elsewhere = NeedFactory(project=ProjectFactory())

    with pytest.raises(DomainError) as refused:
        record(project, lead, need=elsewhere)

    assert refused.value.field == "need"
    assert not Expense.objects.exists()


@pytest.mark.django_db
def test_donors_moderators_and_other_leads_cannot_record_or_correct(project, lead):
    donor = Pledge.objects.filter(need__project=project).first().donor
    other_lead = ProjectFactory().created_by
    moderator = make_moderator(project.community)
    expense = record(project, lead)

    for member in (donor, other_lead, moderator):
        with pytest.raises(NotAllowed):
            record(project, member)
        with pytest.raises(NotAllowed):
            expense_correct(expense=expense, actor=member, reason="Erreur", amount=Decimal("1"))

    assert Expense.objects.count() == 1


@pytest.mark.django_db
def test_the_currency_cannot_change_once_something_is_spent(lead):
    project = ProjectFactory(created_by=lead, currency="MAD")
    record(project, lead)

    with pytest.raises(DomainError, match="spent"):
        project_update(project=project, actor=lead, currency="EUR")

    assert Project.objects.get(pk=project.pk).currency == "MAD"


# --- Correcting --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_correction_reverses_the_entry_and_adds_the_right_one(project, lead):
    expense = record(project, lead, amount="1200")

    reversal, replacement = expense_correct(
        expense=expense, actor=lead, reason="Montant mal saisi", amount=Decimal("1100")
    )

    assert reversal.reverses == expense
    assert reversal.amount == Decimal("-1200")
    assert reversal.description == "Montant mal saisi"
    assert replacement.amount == Decimal("1100")
    # What was not given is kept from the corrected entry.
    assert (replacement.description, replacement.supplier, replacement.spent_on) == (
        expense.description,
        expense.supplier,
        expense.spent_on,
    )
    assert Expense.objects.count() == 3
    # 2 500 collected − (1 200 − 1 200 + 1 100) spent.
    assert figures(project) == [("MAD", Decimal("2500"), Decimal("1100"), Decimal("1400"))]
    assert TimelineEntry.objects.filter(kind="expense").count() == 3


@pytest.mark.django_db
def test_cancelling_an_expense_outright_leaves_only_the_reversal(project, lead):
    expense = record(project, lead, amount="1200")

    reversal, replacement = expense_correct(expense=expense, actor=lead, reason="Doublon")

    assert replacement is None
    assert reversal.amount == Decimal("-1200")
    assert figures(project) == [("MAD", Decimal("2500"), Decimal("0"), Decimal("2500"))]


@pytest.mark.django_db
def test_an_expense_is_reversed_only_once(project, lead):
    expense = record(project, lead, amount="1200")
    expense_correct(expense=expense, actor=lead, reason="Montant", amount=Decimal("1100"))

    with pytest.raises(DomainError, match="already been corrected"):
        expense_correct(expense=expense, actor=lead, reason="Encore", amount=Decimal("1000"))

    assert Expense.objects.count() == 3
    assert figures(project)[0][2] == Decimal("1100")


@pytest.mark.django_db
def test_a_reversal_cannot_itself_be_corrected(project, lead):
    reversal, _replacement = expense_correct(expense=record(project, lead), actor=lead, reason="Doublon")

    with pytest.raises(DomainError, match="itself a correction"):
        expense_correct(expense=reversal, actor=lead, reason="Oups")


@pytest.mark.django_db
def test_the_database_refuses_a_second_reversal_of_the_same_entry(project, lead):
    """The unique `reverses` is the last guard when the service's check is bypassed."""
    expense = record(project, lead, amount="1200")
    expense_correct(expense=expense, actor=lead, reason="Doublon")

    with pytest.raises(IntegrityError), transaction.atomic():
        ExpenseFactory(project=project, amount=Decimal("-1200"), reverses=expense, recorded_by=lead)


@pytest.mark.django_db
def test_a_correction_needs_a_reason(project, lead):
    expense = record(project, lead)

    with pytest.raises(DomainError) as refused:
        expense_correct(expense=expense, actor=lead, reason=" ", amount=Decimal("1"))

    assert refused.value.field == "reason"
    assert Expense.objects.count() == 1


@pytest.mark.django_db
def test_expenses_cannot_be_deleted_or_edited_in_the_admin(project, lead):
    admin = site._registry[Expense]
    request = RequestFactory().get("/")
    request.user = MemberFactory(is_staff=True, is_superuser=True)
    expense = record(project, lead)

    assert not admin.has_delete_permission(request, expense)
    assert not admin.has_change_permission(request, expense)
    assert not admin.has_add_permission(request)


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
    assert "<dt>Collected</dt><dd>2,500.00 MAD</dd>" in shown
    assert "<dt>Spent</dt><dd>1,200.00 MAD</dd>" in shown
    assert '<dd class="balance">1,300.00 MAD</dd>' in shown
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


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leads_correcting_the_same_expense_at_once_reverse_it_once():
    from donations.tests.test_concurrency import run_together

    first_lead, second_lead = MemberFactory(password=None), MemberFactory(password=None)
    project = ProjectFactory(created_by=first_lead, leads=[first_lead, second_lead])
    expense = record(project, first_lead, amount="1200")

    outcomes = run_together(
        {
            lead.handle: (
                lambda lead=lead, amount=amount: expense_correct(
                    expense=expense, actor=lead, reason="Montant", amount=Decimal(amount)
                )
            )
            for lead, amount in ((first_lead, "1100"), (second_lead, "1000"))
        }
    )

    kinds = sorted(kind for kind, _result in outcomes.values())
    assert kinds == ["ok", "refused"]
    refused = next(result for kind, result in outcomes.values() if kind == "refused")
    # The code, not the message: the threads speak the site's default language.
    assert refused.code == "already_corrected"
    assert Expense.objects.filter(reverses=expense).count() == 1
    assert Expense.objects.filter(project=project).count() == 3
    spent = figures(project)[0][2]
    assert spent in (Decimal("1100"), Decimal("1000"))
