"""Expenses: leads record what they spent; anyone sees collected, spent and balance per currency;
a correction is a reversing entry plus a new one, and nothing is ever deleted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from core.tests.concurrency import rows_locked, run_together
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


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leads_correcting_the_same_expense_at_once_reverse_it_once():
    """Both corrections start while a transaction of the test holds the project's row, and it is
    let go only once both wait for it: they really contend (core/tests/concurrency.py)."""
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
        },
        holding=rows_locked(Project.objects.filter(pk=project.pk)),
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
