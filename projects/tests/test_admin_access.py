"""Who gets into the admin: superusers, and nobody else. One row per role, one column per action.

The trust and safety review found that a moderator (staff, with the admin permissions a
moderator used to hold) could set any member's password, make themselves moderator of another
community, read the handles behind anonymous pledges everywhere and publish them. Moderation
now happens on the site, confined to the moderator's community; here every role but the
superuser is turned away, and each refused write leaves the database as it was.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Member
from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from donations.tests.factories import NeedFactory, PledgeFactory
from projects.models import Community, Membership, Project
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "member",
    "donor",
    "lead",
    "other_lead",
    "moderator",
    "other_moderator",
    "superuser",
]
LOGIN = "/admin/login/"


@pytest.fixture
def world():
    community = CommunityFactory()
    elsewhere = CommunityFactory()
    project = ProjectFactory(community=community, status=Project.Status.OPEN)
    need = NeedFactory(project=project, target_quantity=Decimal("1000"))
    secret_donor = MemberFactory(handle="secret_donor", email="secret@example.invalid")
    secret_donor.set_password("le-vrai-mot-de-passe")
    secret_donor.save()
    anonymous_pledge = PledgeFactory(need=need, donor=secret_donor, visibility=Pledge.Visibility.ANONYMOUS)
    # The moderator is staff with every permission a moderator used to hold in the admin: it
    # is the superuser status, not the permissions, that opens the admin.
    moderator = MemberFactory(handle="moderatrice", is_staff=True)
    moderator.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["accounts", "projects", "donations", "publishing"],
            codename__regex=r"^(view|change|add)_",
        )
    )
    make_moderator(community, moderator)
    members = {
        "anonymous": None,
        "member": MemberFactory(),
        "donor": secret_donor,
        "lead": project.created_by,
        "other_lead": ProjectFactory(community=community).created_by,
        "moderator": moderator,
        "other_moderator": make_moderator(elsewhere, MemberFactory(is_staff=True)),
        "superuser": MemberFactory(is_staff=True, is_superuser=True),
    }
    return {
        "community": community,
        "elsewhere": elsewhere,
        "project": project,
        "pledge": anonymous_pledge,
        "secret_donor": secret_donor,
        "members": members,
    }


def client_for(client, world, role):
    member = world["members"][role]
    if member is not None:
        client.force_login(member)
    return client


def admin_pages(world):
    pledge = world["pledge"]
    return [
        "/admin/",
        reverse("admin:accounts_member_changelist"),
        reverse("admin:accounts_member_change", args=[world["secret_donor"].pk]),
        reverse("admin:auth_user_password_change", args=[world["secret_donor"].pk]),
        reverse("admin:projects_membership_add"),
        reverse("admin:projects_project_change", args=[world["project"].pk]),
        reverse("admin:donations_pledge_changelist"),
        reverse("admin:donations_pledge_change", args=[pledge.pk]),
        reverse("admin:donations_pledgeevent_changelist"),
        "/admin/autocomplete/?app_label=projects&model_name=project&field_name=leads&term=sec",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_a_superuser_opens_any_admin_page(client, world, role):
    client = client_for(client, world, role)
    for url in admin_pages(world):
        response = client.get(url)
        if role == "superuser":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith(LOGIN), url
            assert "secret_donor" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_a_superuser_sets_a_members_password(client, world, role):
    victim = world["secret_donor"]
    response = client_for(client, world, role).post(
        reverse("admin:auth_user_password_change", args=[victim.pk]),
        {"password1": "pris-par-un-autre-1", "password2": "pris-par-un-autre-1", "usable_password": "true"},
    )
    victim.refresh_from_db()
    if role == "superuser":
        assert response.status_code == 302
        assert victim.check_password("pris-par-un-autre-1")
    else:
        assert response["Location"].startswith(LOGIN)
        assert victim.check_password("le-vrai-mot-de-passe")


@pytest.mark.parametrize("role", ROLES)
def test_only_a_superuser_appoints_a_moderator(client, world, role):
    appointed = world["members"]["moderator"]
    elsewhere = world["elsewhere"]
    response = client_for(client, world, role).post(
        reverse("admin:projects_membership_add"),
        {
            "member": appointed.pk,
            "community": elsewhere.pk,
            "role": Membership.Role.MODERATOR,
            "joined_at_0": "2026-12-01",
            "joined_at_1": "10:00:00",
        },
    )
    appointed_there = Membership.objects.filter(community=elsewhere, member=appointed).exists()
    if role == "superuser":
        assert response.status_code == 302
        assert appointed_there
    else:
        assert response["Location"].startswith(LOGIN)
        assert not appointed_there


@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_a_superuser_turns_an_anonymous_pledge_public_in_the_admin(client, world, role):
    pledge = world["pledge"]
    client = client_for(client, world, role)
    client.post(
        reverse("admin:donations_pledge_change", args=[pledge.pk]),
        {"visibility": Pledge.Visibility.PUBLIC, "message": "révélé"},
    )
    pledge.refresh_from_db()
    if role != "superuser":
        assert (pledge.visibility, pledge.message) == (Pledge.Visibility.ANONYMOUS, "")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "superuser"])
def test_nobody_but_a_superuser_edits_a_project_or_a_community_in_the_admin(client, world, role):
    project, community = world["project"], world["community"]
    client = client_for(client, world, role)
    client.post(reverse("admin:projects_project_change", args=[project.pk]), {"title": "Détourné"})
    client.post(reverse("admin:projects_community_change", args=[community.pk]), {"name": "Détournée"})
    client.post(reverse("admin:accounts_member_change", args=[world["members"]["member"].pk]), {"is_staff": "on"})
    project.refresh_from_db()
    community.refresh_from_db()
    assert project.title != "Détourné"
    assert community.name != "Détournée"
    assert not Member.objects.get(pk=world["members"]["member"].pk).is_staff
    assert Community.objects.count() == 2
