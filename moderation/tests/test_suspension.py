"""A member suspended from a community proposes, pledges, posts and reports nothing there until
the suspension is lifted, and everything elsewhere. Moderators are not suspended."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from donations.models import Pledge
from donations.services import pledge_create
from donations.tests.factories import NeedFactory
from moderation import services
from moderation.models import Flag, ModerationAction
from projects.models import Membership, Project
from projects.services import community_join, project_create_draft
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator
from publishing.permissions import can_publish
from publishing.updates import update_create

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]


@pytest.fixture
def here():
    return CommunityFactory(slug="twittoma")


@pytest.fixture
def elsewhere():
    return CommunityFactory(slug="entraide")


@pytest.fixture
def moderator(here):
    return make_moderator(here)


@pytest.fixture
def troll(here, moderator):
    troll = MemberFactory(handle="troll_du_souk", password=None)
    services.member_suspend(actor=moderator, community=here, member=troll, reason="Insultes répétées")
    return troll


def pledge(donor, need):
    return pledge_create(donor=donor, need=need, quantity=Decimal("5"), channel=Pledge.Channel.DROP_OFF)


def propose(creator, community):
    return project_create_draft(
        creator=creator, community=community, title="Puits", country="MA", category="water", currency="MAD"
    )


def test_suspending_a_member_who_is_not_in_the_community_adds_them_suspended(here, moderator, troll):
    membership = Membership.objects.get(community=here, member=troll)
    assert membership.is_suspended
    assert membership.suspension_reason == "Insultes répétées"
    action = ModerationAction.objects.get(action=ModerationAction.Action.SUSPENDED)
    assert (action.community, action.actor, action.target, action.note) == (
        here,
        moderator,
        "@troll_du_souk",
        "Insultes répétées",
    )
    # Joining does not lift it.
    community_join(community=here, member=troll)
    assert Membership.objects.get(community=here, member=troll).is_suspended


def test_a_suspended_member_cannot_propose_there_but_can_elsewhere(here, elsewhere, troll):
    with pytest.raises(NotAllowed):
        propose(troll, here)
    assert not Project.objects.filter(community=here).exists()
    assert propose(troll, elsewhere).community == elsewhere


def test_a_suspended_member_cannot_pledge_there_but_can_elsewhere(here, elsewhere, troll):
    need_here = NeedFactory(project__community=here)
    need_elsewhere = NeedFactory(project__community=elsewhere)
    with pytest.raises(NotAllowed):
        pledge(troll, need_here)
    assert not Pledge.objects.filter(need=need_here).exists()
    assert pledge(troll, need_elsewhere).donor == troll


def test_the_pledge_page_tells_a_suspended_member_why_nothing_was_recorded(client, here, troll):
    need = NeedFactory(project__community=here)
    client.force_login(troll)
    response = client.post(
        reverse("donations:pledge", args=[need.project.slug, need.pk]),
        {"quantity": "5", "channel": Pledge.Channel.DROP_OFF, "visibility": "public"},
    )
    assert response.status_code == 200
    assert "suspended" in str(response.context["form"].errors)
    assert not Pledge.objects.exists()


def test_a_suspended_member_cannot_report_there_but_can_elsewhere(here, elsewhere, troll):
    for community in (here, elsewhere):
        ProjectFactory(community=community)
    project_here, project_elsewhere = Project.objects.get(community=here), Project.objects.get(community=elsewhere)
    with pytest.raises(NotAllowed):
        services.flag_create(reporter=troll, kind="project", target_id=project_here.pk, reason="spam")
    services.flag_create(reporter=troll, kind="project", target_id=project_elsewhere.pk, reason="spam")
    assert list(Flag.objects.values_list("project", flat=True)) == [project_elsewhere.pk]


def test_a_suspended_lead_cannot_post_on_their_project_there(here, moderator):
    lead = MemberFactory(password=None)
    project = ProjectFactory(community=here, created_by=lead)
    other = ProjectFactory(created_by=lead)
    services.member_suspend(actor=moderator, community=here, member=lead, reason="Projet frauduleux")
    assert not can_publish(lead, project)
    assert can_publish(lead, other)
    with pytest.raises(NotAllowed):
        update_create(project=project, actor=lead, title="Merci", body="…", audience="public")
    assert update_create(project=other, actor=lead, title="Merci", body="…", audience="public").project == other


def test_lifting_the_suspension_lets_the_member_pledge_again(here, moderator, troll):
    need = NeedFactory(project__community=here)
    services.member_lift_suspension(actor=moderator, community=here, member=troll, note="Excuses reçues")
    assert pledge(troll, need).donor == troll
    lifted = ModerationAction.objects.get(action=ModerationAction.Action.LIFTED)
    assert (lifted.actor, lifted.note) == (moderator, "Excuses reçues")


def test_nobody_suspends_themselves_a_moderator_or_a_superuser(here, elsewhere, moderator):
    colleague = make_moderator(here)
    moderating_elsewhere = make_moderator(elsewhere)
    superuser = MemberFactory(password=None, is_superuser=True)
    for target in (moderator, colleague, moderating_elsewhere, superuser):
        with pytest.raises(NotAllowed):
            services.member_suspend(actor=moderator, community=here, member=target, reason="Non")
    with pytest.raises(NotAllowed):
        services.member_suspend(actor=superuser, community=here, member=colleague, reason="Non")
    assert not Membership.objects.filter(suspended_at__isnull=False).exists()
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "nul \x00"])
def test_a_suspension_needs_a_reason_of_bounded_length(here, moderator, reason):
    member = MemberFactory(password=None)
    with pytest.raises(DomainError):
        services.member_suspend(actor=moderator, community=here, member=member, reason=reason)
    assert not Membership.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    "data",
    [{"handle": "personne_ici", "reason": "Spam"}, {"handle": "troll_du_souk"}, {"handle": "x" * 40, "reason": "r"}],
    ids=["unknown handle", "no reason", "handle too long"],
)
def test_the_suspend_form_answers_bad_input_with_a_message(client, here, moderator, troll, data):
    client.force_login(moderator)
    before = list(Membership.objects.values_list("pk", "suspended_at"))
    response = client.post(reverse("moderation:suspend", args=[here.slug]), data, follow=True)
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    assert list(Membership.objects.values_list("pk", "suspended_at")) == before


def test_the_queue_lists_the_suspended_members(client, here, moderator, troll):
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue", args=[here.slug])).content.decode()
    assert "@troll_du_souk" in page
    assert "Insultes répétées" in page
