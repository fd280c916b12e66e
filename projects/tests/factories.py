"""Factories of communities, memberships and projects (open, led by their creator, by default).
A project gets its search words, as project_create_draft gives them (donations/search.py)."""

import factory
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from donations.search import refresh_project_search
from projects.models import Community, Membership, Project


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

    @factory.post_generation
    def search_words(obj, create, extracted, **kwargs):
        if create:
            refresh_project_search(obj)
