"""Factories of flags and moderation actions, as stored: flags built here hide nothing (the
threshold is the service's); tests of the rules go through moderation/services.py."""

import factory

from accounts.tests.factories import MemberFactory
from donations.tests.factories import PledgeFactory
from moderation.models import Flag, ModerationAction
from projects.tests.factories import CommunityFactory, ProjectFactory
from publishing.tests.factories import UpdateFactory


class FlagFactory(factory.django.DjangoModelFactory):
    """An open flag on a project, by default; `update=`, `pledge=` or `profile=` with the trait of
    the same name flags that instead."""

    class Meta:
        model = Flag

    reporter = factory.SubFactory(MemberFactory)
    kind = Flag.Kind.PROJECT
    project = factory.SubFactory(ProjectFactory)
    community = factory.LazyAttribute(lambda flag: flag.project.community)
    reason = Flag.Reason.SPAM

    class Params:
        on_update = factory.Trait(
            kind=Flag.Kind.UPDATE,
            project=None,
            update=factory.SubFactory(UpdateFactory),
            community=factory.LazyAttribute(lambda flag: flag.update.project.community),
        )
        on_pledge = factory.Trait(
            kind=Flag.Kind.PLEDGE,
            project=None,
            pledge=factory.SubFactory(PledgeFactory, message="Bravo"),
            community=factory.LazyAttribute(lambda flag: flag.pledge.need.project.community),
        )
        on_profile = factory.Trait(
            kind=Flag.Kind.PROFILE, project=None, profile=factory.SubFactory(MemberFactory), community=None
        )


class ModerationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationAction

    community = factory.SubFactory(CommunityFactory)
    actor = factory.SubFactory(MemberFactory)
    action = ModerationAction.Action.APPROVED
    target = factory.Sequence(lambda n: f"Project “{n}”")
