"""Factories for the domain. They build rows directly; tests that exercise the rules call
the services (as pages and API do)."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Member
from donations.models import Issuer, Need, Pledge, PledgeEvent, Reception
from projects.models import Community, Expense, Membership, Milestone, Project, Update

PASSWORD = "tiwizi-test-Pa55"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"twitto_{n}")
    email = factory.LazyAttribute(lambda member: f"{member.handle.lower()}@private.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    hashtag = factory.Sequence(lambda n: f"Entraide{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    member = factory.SubFactory(MemberFactory)
    role = Membership.Role.MEMBER


def make_moderator(community, member=None):
    member = member or MemberFactory()
    MembershipFactory(community=community, member=member, role=Membership.Role.MODERATOR)
    return member


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    summary = "A classroom for the village"
    story = "We build **a classroom**."
    village = "Tighzit"
    region = "Al Haouz"
    country = "MA"
    category = "education"
    currency = "MAD"
    status = Project.Status.OPEN
    created_by = factory.SubFactory(MemberFactory)
    opened_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def leads(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.leads.add(*(extracted if extracted is not None else [obj.created_by]))


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


class IssuerFactory(factory.django.DjangoModelFactory):
    """The association issuing a community's receipts; French tax receipts with trait tax=True."""

    class Meta:
        model = Issuer

    community = factory.SubFactory(CommunityFactory)
    legal_name = factory.Sequence(lambda n: f"Association Entraide {n}")
    address = "12 rue de la République\n69002 Lyon\nFrance"
    registration_number = factory.Sequence(lambda n: f"RNA W69{n:07d}")
    signatory_name = "Khadija Mansouri"
    signatory_title = "Trésorière"
    signature_place = "Lyon"
    number_prefix = factory.Sequence(lambda n: f"ENT{n}")
    language = "en"

    class Params:
        tax = factory.Trait(
            french_tax_receipts=True,
            tax_article=Issuer.TaxArticle.INDIVIDUALS,
            tax_category="Œuvre ou organisme d'intérêt général",
            purpose="Aide à la scolarisation des enfants des villages de montagne",
            language="fr",
        )


class MilestoneFactory(factory.django.DjangoModelFactory):
    """A planned step; services set status, dates and timeline entries (projects/publishing.py)."""

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
