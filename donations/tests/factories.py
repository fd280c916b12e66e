"""Factories of needs, pledges and receptions, as stored: a reception built here issues no
receipt and records no threshold; tests of those go through the services. Each one does what
every write of progress does, though: it refreshes its project's stored totals (donations/totals.py),
so that pages read what the rows say. A test that changes rows by hand calls
refresh_project_totals (or refresh_project_search) itself, as a service would."""

from decimal import Decimal

import factory

from accounts.tests.factories import MemberFactory
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.search import refresh_project_search
from donations.totals import refresh_project_totals
from projects.tests.factories import ProjectFactory


def refreshed(project, create):
    """What every service that writes progress does last: the project's stored totals refreshed."""
    if create:
        refresh_project_totals(project)


def need_written(project, create):
    """What the services writing needs do last: the totals, and the search words, refreshed."""
    refreshed(project, create)
    if create:
        refresh_project_search(project)


class NeedFactory(factory.django.DjangoModelFactory):
    project = factory.SubFactory(ProjectFactory)
    kind = Need.Kind.MATERIAL
    label = "couverture"
    unit = "pièce"
    target_quantity = Decimal("200")
    position = factory.Sequence(lambda n: n)

    class Meta:
        model = Need
        skip_postgeneration_save = True

    totals = factory.PostGeneration(lambda need, create, extracted, **kwargs: need_written(need.project, create))

    class Params:
        cash = factory.Trait(
            kind=Need.Kind.CASH, label="Fonds de construction", unit="", target_quantity=Decimal("50000")
        )


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge
        skip_postgeneration_save = True

    need = factory.SubFactory(NeedFactory)
    donor = factory.SubFactory(MemberFactory)
    quantity = Decimal("10")
    channel = Pledge.Channel.DROP_OFF
    visibility = Pledge.Visibility.PUBLIC

    @factory.post_generation
    def event(obj, create, extracted, **kwargs):
        if create:
            PledgeEvent.objects.create(pledge=obj, from_status="", to_status=obj.status, actor=obj.donor)
        refreshed(obj.need.project, create)


class ReceptionFactory(factory.django.DjangoModelFactory):
    pledge = factory.SubFactory(PledgeFactory)
    need = factory.SelfAttribute("pledge.need")
    quantity = Decimal("5")
    recorded_by = factory.LazyAttribute(lambda reception: reception.pledge.need.project.created_by)

    class Meta:
        model = Reception
        skip_postgeneration_save = True

    totals = factory.PostGeneration(
        lambda reception, create, extracted, **kwargs: refreshed(reception.need.project, create)
    )
