"""Who may use a community's moderation queue, action by action, for each role.

One row per action of the queue of "here" (moderation/tests/world.py): the request, and what it
does when allowed. Its moderators and the superusers are allowed: the effect is in the database
and one audit row names them. Everyone else is refused, a signed-out visitor with a redirect to
log in, a member with a 403, and the database is exactly as before. Then a moderator of another
community, acting from their own queue on the content of this one, is refused too.
"""

import pytest
from django.urls import reverse

from core.errors import NotAllowed
from donations.models import Pledge
from moderation import services
from moderation.models import Flag, ModerationAction
from moderation.tests.world import MODERATING, ROLES, snapshot
from projects.models import Membership, Project, ProjectTransition

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]

QUEUE = "/c/twittoma/moderate/"


def _audit(world, role):
    """The actions of this role in "here", newest first."""
    return list(
        ModerationAction.objects.filter(community=world.here.community, actor=world.people.get(role)).values_list(
            "action", flat=True
        )
    )


def check_approved(world, role):
    assert Project.objects.get(pk=world.here.in_review.pk).status == Project.Status.OPEN
    return ModerationAction.Action.APPROVED


def check_sent_back(world, role):
    project = Project.objects.get(pk=world.here.in_review.pk)
    assert project.status == Project.Status.DRAFT
    assert project.transitions.get(to_status=Project.Status.DRAFT).note == "Ajoutez le budget du puits"
    return ModerationAction.Action.SENT_BACK


def check_restored(world, role):
    world.here.flagged_update.refresh_from_db()
    assert world.here.flagged_update.hidden_at is None
    assert set(world.here.flagged_update.flags.values_list("state", flat=True)) == {Flag.State.DISMISSED}
    return ModerationAction.Action.RESTORED


def check_removed(world, role):
    world.here.flagged_update.refresh_from_db()
    assert world.here.flagged_update.is_hidden
    assert world.here.flagged_update.hidden_reason.startswith("Removed by a moderator")
    assert set(world.here.flagged_update.flags.values_list("state", flat=True)) == {Flag.State.UPHELD}
    return ModerationAction.Action.REMOVED


def check_pledge_corrected(world, role):
    assert Pledge.objects.get(pk=world.here.public_pledge.pk).visibility == Pledge.Visibility.ANONYMOUS
    return ModerationAction.Action.PLEDGE_CORRECTED


def check_suspended(world, role):
    membership = Membership.objects.get(community=world.here.community, member=world.here.to_suspend)
    assert membership.is_suspended
    assert membership.suspension_reason == "Insultes"
    return ModerationAction.Action.SUSPENDED


def check_lifted(world, role):
    assert not Membership.objects.get(community=world.here.community, member=world.here.suspended).is_suspended
    return ModerationAction.Action.LIFTED


# (action, url(world), posted data(world) or None for a GET, check(world, role) of the effect)
ACTIONS = [
    ("queue", lambda w: QUEUE, None, None),
    (
        "approve",
        lambda w: reverse("moderation:review", args=["twittoma", w.here.in_review.pk]),
        lambda w: {"decision": "approve", "note": ""},
        check_approved,
    ),
    (
        "send back",
        lambda w: reverse("moderation:review", args=["twittoma", w.here.in_review.pk]),
        lambda w: {"decision": "send_back", "note": "Ajoutez le budget du puits"},
        check_sent_back,
    ),
    (
        "restore",
        lambda w: reverse("moderation:decide", args=["twittoma", "update", w.here.flagged_update.pk]),
        lambda w: {"decision": "restore", "note": "Rien de grave"},
        check_restored,
    ),
    (
        "remove",
        lambda w: reverse("moderation:decide", args=["twittoma", "update", w.here.flagged_update.pk]),
        lambda w: {"decision": "remove", "note": "Publicité"},
        check_removed,
    ),
    (
        "correct a pledge",
        lambda w: reverse("moderation:pledge_correct", args=["twittoma", w.here.public_pledge.pk]),
        lambda w: {"correction": "make_anonymous", "note": "Demandé par DM"},
        check_pledge_corrected,
    ),
    (
        "suspend",
        lambda w: reverse("moderation:suspend", args=["twittoma"]),
        lambda w: {"handle": w.here.to_suspend.handle, "reason": "Insultes"},
        check_suspended,
    ),
    (
        "lift",
        lambda w: reverse("moderation:lift", args=["twittoma", w.here.suspended.pk]),
        lambda w: {"note": "Excuses reçues"},
        check_lifted,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "url", "data", "check"), ACTIONS, ids=[row[0] for row in ACTIONS])
def test_each_role_may_or_may_not_take_each_queue_action(client, world, role, action, url, data, check):
    client = world.client(client, role)
    before = snapshot()
    audit_before = _audit(world, role)
    target = url(world)
    response = client.get(target) if data is None else client.post(target, data(world))

    if role in MODERATING:
        if data is None:
            assert response.status_code == 200
            assert response.context["community"] == world.here.community
            return
        assert response.status_code == 302
        assert response["Location"].startswith(QUEUE)
        done = check(world, role)
        assert _audit(world, role) == [done, *audit_before]
        assert snapshot() != before
    else:
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == 403
        assert snapshot() == before


def test_the_queue_of_a_community_that_does_not_exist_is_not_found(client, world):
    client.force_login(world.moderator)
    assert client.get("/c/nulle-part/moderate/").status_code == 404
    assert client.post("/c/nulle-part/moderate/suspensions/", {"handle": "x", "reason": "y"}).status_code == 404


def test_queue_actions_are_posted_never_got(client, world):
    client.force_login(world.moderator)
    before = snapshot()
    response = client.get(reverse("moderation:review", args=["twittoma", world.here.in_review.pk]))
    assert response.status_code == 405
    assert snapshot() == before


# A moderator of "elsewhere", from the queue of "elsewhere", on the content of "here".
CROSS_COMMUNITY = [
    (
        "approve",
        lambda w: reverse("moderation:review", args=["instant-resilience", w.here.in_review.pk]),
        lambda w: {"decision": "approve"},
    ),
    (
        "send back",
        lambda w: reverse("moderation:review", args=["instant-resilience", w.here.in_review.pk]),
        lambda w: {"decision": "send_back", "note": "Non"},
    ),
    (
        "restore",
        lambda w: reverse("moderation:decide", args=["instant-resilience", "update", w.here.flagged_update.pk]),
        lambda w: {"decision": "restore"},
    ),
    (
        "remove",
        lambda w: reverse("moderation:decide", args=["instant-resilience", "update", w.here.flagged_update.pk]),
        lambda w: {"decision": "remove"},
    ),
    (
        "correct a pledge",
        lambda w: reverse("moderation:pledge_correct", args=["instant-resilience", w.here.public_pledge.pk]),
        lambda w: {"correction": "erase_message"},
    ),
    (
        "lift",
        lambda w: reverse("moderation:lift", args=["instant-resilience", w.here.suspended.pk]),
        lambda w: {},
    ),
]


@pytest.mark.parametrize(("action", "url", "data"), CROSS_COMMUNITY, ids=[row[0] for row in CROSS_COMMUNITY])
def test_a_moderator_of_another_community_can_do_nothing_here_from_their_own_queue(client, world, action, url, data):
    client.force_login(world.other_moderator)
    before = snapshot()
    response = client.post(url(world), data(world))
    assert response.status_code in (302, 404)
    assert snapshot() == before


def test_suspending_from_another_community_suspends_there_only(client, world):
    """A moderator of "elsewhere" suspends a member in "elsewhere": "here" is untouched."""
    client.force_login(world.other_moderator)
    client.post(
        reverse("moderation:suspend", args=["instant-resilience"]),
        {"handle": world.here.to_suspend.handle, "reason": "Spam"},
    )
    assert Membership.objects.get(community=world.elsewhere.community, member=world.here.to_suspend).is_suspended
    assert not Membership.objects.get(community=world.here.community, member=world.here.to_suspend).is_suspended
    assert not ModerationAction.objects.filter(community=world.here.community, actor=world.other_moderator).exists()


SERVICE_CALLS = [
    ("approve", lambda w, m, c: services.project_approve(actor=m, community=c, project=w.here.in_review)),
    (
        "send back",
        lambda w, m, c: services.project_send_back(actor=m, community=c, project=w.here.in_review, note="Non"),
    ),
    (
        "restore",
        lambda w, m, c: services.flagged_content_restore(
            actor=m, community=c, kind="update", target_id=w.here.flagged_update.pk
        ),
    ),
    (
        "remove",
        lambda w, m, c: services.flagged_content_remove(
            actor=m, community=c, kind="update", target_id=w.here.flagged_update.pk
        ),
    ),
    (
        "correct a pledge",
        lambda w, m, c: services.pledge_correct(
            actor=m, community=c, pledge_id=w.here.public_pledge.pk, correction="make_anonymous"
        ),
    ),
]


@pytest.mark.parametrize(("action", "call"), SERVICE_CALLS, ids=[row[0] for row in SERVICE_CALLS])
@pytest.mark.parametrize("community", ["here", "elsewhere"])
def test_the_services_refuse_a_moderator_of_another_community(world, action, call, community):
    """Named with the community they moderate, or with this one: refused either way."""
    before = snapshot()
    with pytest.raises(NotAllowed):
        call(world, world.other_moderator, getattr(world, community).community)
    assert snapshot() == before


def test_a_profile_flag_is_decided_only_where_the_member_takes_part(world):
    reported = world.here.to_suspend  # a member of "here" only
    for reporter in world.here.reporters:
        services.flag_create(reporter=reporter, kind="profile", target_id=reported.pk, reason=Flag.Reason.ABUSE)
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.flagged_content_restore(
            actor=world.other_moderator, community=world.elsewhere.community, kind="profile", target_id=reported.pk
        )
    assert snapshot() == before
    services.flagged_content_restore(
        actor=world.moderator, community=world.here.community, kind="profile", target_id=reported.pk
    )
    reported.refresh_from_db()
    assert reported.profile_hidden_at is None


def test_the_sites_queue_is_for_superusers(client, world):
    for role in ROLES:
        client.logout()
        response = world.client(client, role).get(reverse("moderation:site_queue"))
        expected = {"anonymous": 302, "superuser": 200}.get(role, 403)
        assert response.status_code == expected, role


def test_approving_leaves_the_transition_and_the_audit_row(world):
    services.project_approve(actor=world.moderator, community=world.here.community, project=world.here.in_review)
    transition = ProjectTransition.objects.get(project=world.here.in_review)
    assert (transition.from_status, transition.to_status, transition.actor) == (
        Project.Status.IN_REVIEW,
        Project.Status.OPEN,
        world.moderator,
    )
    action = ModerationAction.objects.get(action=ModerationAction.Action.APPROVED)
    assert (action.community, action.actor, action.target) == (
        world.here.community,
        world.moderator,
        "Project “Puits here”",
    )
