"""Who sees a project hidden by moderation, or a draft cancelled before it ever opened: the
querysets of every list (`public`, `visible_to`) and the question of every page and API detail
(`permissions.can_view_project`) give the same answers, and `Project.is_public` is `public()` for
one project."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import MemberFactory
from core.tests.hiding import hide
from donations.tests.factories import NeedFactory
from projects import permissions
from projects.models import Project
from projects.services import project_transition
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

Status = Project.Status
ROLES = ("anonymous", "member", "lead", "moderator", "other_moderator", "superuser")


@pytest.fixture
def people():
    community = CommunityFactory()
    lead = MemberFactory()
    return {
        "community": community,
        "anonymous": AnonymousUser(),
        "member": MemberFactory(),
        "lead": lead,
        "moderator": make_moderator(community),
        "other_moderator": make_moderator(CommunityFactory()),
        "superuser": MemberFactory(is_superuser=True, is_staff=True),
    }


def a_project(people, status=Status.OPEN, **fields):
    project = ProjectFactory(community=people["community"], created_by=people["lead"], status=status, **fields)
    NeedFactory(project=project)  # no review without a need
    return project


def cancelled_from(people, *moves):
    """A draft moved through `moves` by its lead, then cancelled (opened_at set by the move to open)."""
    project = a_project(people, status=Status.DRAFT, opened_at=None)
    for status in moves:
        project_transition(project=project, actor=people["lead"], to_status=status)
    project_transition(project=project, actor=people["lead"], to_status=Status.CANCELLED, note="Abandonné")
    project.refresh_from_db()
    return project


def seen_by(people, project):
    """{role: (in visible_to's list, can_view_project)} for each role."""
    return {
        role: (
            Project.objects.visible_to(people[role]).filter(pk=project.pk).exists(),
            permissions.can_view_project(people[role], project),
        )
        for role in ROLES
    }


def both(anonymous, member, lead, moderator, other_moderator, superuser):
    return {
        role: (answer, answer)
        for role, answer in zip(ROLES, (anonymous, member, lead, moderator, other_moderator, superuser), strict=True)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.OPEN, Status.CLOSED, Status.COMPLETED, Status.CANCELLED])
def test_a_hidden_project_is_seen_by_its_leads_its_moderators_and_superusers_only(people, status):
    project = hide(a_project(people, status=status))

    assert seen_by(people, project) == both(False, False, True, True, False, True)
    assert not project.is_public
    assert not Project.objects.public().filter(pk=project.pk).exists()


@pytest.mark.django_db
def test_a_draft_cancelled_before_review_is_its_leads_only(people):
    project = cancelled_from(people)

    assert project.opened_at is None
    assert not project.is_public
    seen = seen_by(people, project)
    # The moderators never had it in their lists; its page stays theirs to open, as a draft's is.
    assert seen == {**both(False, False, True, False, False, True), "moderator": (False, True)}


@pytest.mark.django_db
def test_a_proposal_cancelled_in_review_stays_with_its_leads_and_moderators(people):
    project = cancelled_from(people, Status.IN_REVIEW)

    assert not project.is_public
    assert seen_by(people, project) == both(False, False, True, True, False, True)


@pytest.mark.django_db
def test_a_project_cancelled_after_it_opened_stays_public(people):
    project = a_project(people, status=Status.DRAFT, opened_at=None)
    project_transition(project=project, actor=people["lead"], to_status=Status.IN_REVIEW)
    project_transition(project=project, actor=people["moderator"], to_status=Status.OPEN)
    project_transition(project=project, actor=people["lead"], to_status=Status.CANCELLED, note="Plus de terrain")
    project.refresh_from_db()

    assert project.opened_at is not None
    assert project.is_public
    assert seen_by(people, project) == both(True, True, True, True, True, True)


@pytest.mark.django_db
def test_is_public_is_the_public_queryset_for_one_project(people):
    projects = [
        a_project(people, status=status) for status in (Status.DRAFT, Status.IN_REVIEW, Status.OPEN, Status.CLOSED)
    ]
    projects += [hide(a_project(people)), cancelled_from(people), cancelled_from(people, Status.IN_REVIEW)]
    projects += [a_project(people, status=Status.CANCELLED)]

    public = set(Project.objects.public().values_list("pk", flat=True))
    not_public = set(Project.objects.not_public().values_list("pk", flat=True))

    assert {project.pk for project in projects if project.is_public} == public
    assert public.isdisjoint(not_public)
    assert public | not_public == {project.pk for project in projects}
