"""Factories of needs, pledges and receptions, as stored: a reception built here issues no
receipt and records no threshold; tests of those go through the services."""

from decimal import Decimal

import factory

from accounts.tests.factories import MemberFactory
from donations.models import Need, Pledge, PledgeEvent, Reception
from projects.tests.factories import ProjectFactory


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    project = factory.SubFactory(ProjectFactory)
    kind = Need.Kind.MATERIAL
    label = "couverture"
    unit = "pièce"
    target_quantity = Decimal("200")
    position = factory.Sequence(lambda n: n)

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


class ReceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reception

    pledge = factory.SubFactory(PledgeFactory)
    need = factory.SelfAttribute("pledge.need")
    quantity = Decimal("5")
    recorded_by = factory.LazyAttribute(lambda reception: reception.pledge.need.project.created_by)
