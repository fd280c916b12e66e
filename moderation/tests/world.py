"""One community to moderate, another next to it, and a member in each role: what the role ×
action tests of the queue run against.

"Here" (Twittoma) has an open project led by `lead`, with a public and an anonymous pledge
(both with a message) and a published update; a project in review also led by `lead`; a
project of `other_lead`; a flagged update, hidden at the threshold; a member to suspend and a
suspended one. "Elsewhere" (#InstantRésilience) has its own moderator and its own content of
each kind, so that a moderator of one can be shown to do nothing to the other.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Member
from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from moderation import services
from moderation.models import Flag, ModerationAction
from projects.models import Membership, Project, ProjectTransition
from projects.tests.factories import CommunityFactory, MembershipFactory, ProjectFactory, make_moderator
from publishing.models import Update
from publishing.tests.factories import UpdateFactory

ROLES = (
    "anonymous",
    "member",
    "donor",
    "lead",
    "other_lead",
    "moderator",
    "other_moderator",
    "superuser",
)
# Who may use the queue of "here".
MODERATING = ("moderator", "superuser")


def member(handle):
    return MemberFactory(handle=handle, password=None)


def published_update(project, **kwargs):
    return UpdateFactory(project=project, published_at=timezone.now(), **kwargs)


def flag_until_hidden(kind, target_id, *, reporters):
    for reporter in reporters:
        services.flag_create(reporter=reporter, kind=kind, target_id=target_id, reason=Flag.Reason.SPAM)


@dataclass
class Place:
    """A community with content of each kind."""

    community: object
    project: object
    need: object
    public_pledge: object
    anonymous_pledge: object
    update: object
    in_review: object
    suspended: object
    to_suspend: object
    flagged_update: object
    reporters: list = field(default_factory=list)


@dataclass
class World:
    here: Place
    elsewhere: Place
    people: dict

    def __getattr__(self, name):
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    def client(self, client, role):
        if role != "anonymous":
            client.force_login(self.people[role])
        return client


def _place(name, slug, prefix, *, lead, moderator, donor=None):
    community = CommunityFactory(name=name, slug=slug)
    make_moderator(community, moderator)
    project = ProjectFactory(community=community, slug=f"{prefix}-ecole", title=f"École {prefix}", created_by=lead)
    MembershipFactory(community=community, member=lead)
    need = NeedFactory(project=project)
    donor = donor or member(f"{prefix}_donor")
    public_pledge = PledgeFactory(need=need, donor=donor, message="Courage à vous")
    anonymous_pledge = PledgeFactory(
        need=need, donor=member(f"{prefix}_discreet"), visibility=Pledge.Visibility.ANONYMOUS, message="Pour Tighzit"
    )
    update = published_update(project, title="Les couvertures sont arrivées")
    flagged_update = published_update(project, title="Achetez mes montres")
    reporters = [member(f"{prefix}_reporter_{n}") for n in range(3)]
    flag_until_hidden(Flag.Kind.UPDATE, flagged_update.pk, reporters=reporters)
    in_review = ProjectFactory(
        community=community,
        slug=f"{prefix}-puits",
        title=f"Puits {prefix}",
        created_by=lead,
        status=Project.Status.IN_REVIEW,
        opened_at=None,
    )
    NeedFactory(project=in_review)
    to_suspend = member(f"{prefix}_troll")
    MembershipFactory(community=community, member=to_suspend)
    suspended = member(f"{prefix}_suspended")
    services.member_suspend(actor=moderator, community=community, member=suspended, reason="Spam répété")
    return Place(
        community=community,
        project=project,
        need=need,
        public_pledge=public_pledge,
        anonymous_pledge=anonymous_pledge,
        update=update,
        in_review=in_review,
        suspended=suspended,
        to_suspend=to_suspend,
        flagged_update=flagged_update,
        reporters=reporters,
    )


def build_world():
    people = {
        "member": member("simple_membre"),
        "donor": member("genereuse"),
        "lead": member("lead_tighzit"),
        "other_lead": member("lead_aghbar"),
        "moderator": member("moderatrice_ici"),
        "other_moderator": member("moderateur_ailleurs"),
        "superuser": MemberFactory(handle="operatrice", password=None, is_superuser=True, is_staff=True),
    }
    here = _place(
        "Twittoma", "twittoma", "here", lead=people["lead"], moderator=people["moderator"], donor=people["donor"]
    )
    MembershipFactory(community=here.community, member=people["member"])
    ProjectFactory(community=here.community, slug="aghbar", created_by=people["other_lead"])
    elsewhere = _place(
        "#InstantRésilience",
        "instant-resilience",
        "elsewhere",
        lead=member("lead_lome"),
        moderator=people["other_moderator"],
    )
    return World(here=here, elsewhere=elsewhere, people=people)


def snapshot():
    """Everything a queue action may change, to show that a refused one changed nothing."""
    return {
        "projects": sorted(Project.objects.values_list("pk", "status", "hidden_at", "hidden_reason")),
        "transitions": ProjectTransition.objects.count(),
        "updates": sorted(Update.objects.values_list("pk", "hidden_at", "hidden_reason")),
        "pledges": sorted(
            Pledge.objects.values_list("pk", "visibility", "message", "message_hidden_at", "message_hidden_reason")
        ),
        "flags": sorted(Flag.objects.values_list("pk", "state", "decided_at")),
        "memberships": sorted(Membership.objects.values_list("pk", "role", "suspended_at", "suspension_reason")),
        "actions": sorted(ModerationAction.objects.values_list("pk", "action", "target", "note")),
        "members": sorted(Member.objects.values_list("pk", "profile_hidden_at", "profile_hidden_reason")),
    }
