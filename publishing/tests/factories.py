"""Factories of milestones, updates and expenses, as stored: publishing one, or marking a
milestone done, goes through the services (which write the timeline)."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory
from publishing.models import Expense, Milestone, Update


class MilestoneFactory(factory.django.DjangoModelFactory):
    """A planned step; services set status, dates and timeline entries (publishing/milestones.py)."""

    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Étape {n}")
    position = factory.Sequence(lambda n: n)


class UpdateFactory(factory.django.DjangoModelFactory):
    """A draft update (published_at empty): publish it through the service to get its entry."""

    class Meta:
        model = Update

    project = factory.SubFactory(ProjectFactory)
    author = factory.LazyAttribute(lambda update: update.project.leads.first() or MemberFactory())
    title = "Les couvertures sont arrivées"
    body = "Merci à **toutes et tous**."


class ExpenseFactory(factory.django.DjangoModelFactory):
    """A row as stored; tests of recording and correcting go through the service."""

    class Meta:
        model = Expense

    project = factory.SubFactory(ProjectFactory)
    description = "Achat de couvertures"
    supplier = "Souk Tiznit"
    amount = Decimal("1500")
    currency = factory.LazyAttribute(lambda expense: expense.project.currency)
    spent_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(MemberFactory)
