"""A project's team: a lead invites a co-lead by handle, the member accepts or declines, a lead
withdraws an invitation, removes another lead or steps down, and a project always keeps one lead.
The rules are the services'; the pages and the role table below go through the site."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.privacy import member_erase
from accounts.tests.factories import MemberFactory
from core.errors import DomainError, IllegalTransition, NotAllowed
from projects import services
from projects.limits import DECLINED_WAIT_DAYS, OPEN_INVITATIONS_MAX
from projects.models import LeadChange, LeadInvitation, Membership, Project
from projects.tests.factories import CommunityFactory, MembershipFactory, ProjectFactory, make_moderator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def aicha():
    return MemberFactory(handle="aicha_tz")


@pytest.fixture
def project():
    return ProjectFactory(slug="tighzit", leads=[MemberFactory(handle="lead_one")])


def lead_of(project):
    return project.leads.get()


def invite(project, handle, actor=None):
    return services.lead_invitation_create(project=project, actor=actor or lead_of(project), handle=handle)


def handles(project):
    return sorted(project.leads.values_list("handle", flat=True))


# --- Inviting and answering ----------------------------------------------------------------------


def test_a_lead_invites_by_handle_and_the_member_becomes_a_lead_on_accepting(project, aicha):
    invitation = invite(project, "@Aicha_TZ")

    assert invitation.member == aicha
    assert invitation.status == LeadInvitation.Status.PENDING
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert handles(project) == ["lead_one"]  # nothing changes until they accept

    services.lead_invitation_accept(invitation=invitation, actor=aicha)

    assert handles(project) == ["aicha_tz", "lead_one"]
    invitation.refresh_from_db()
    assert invitation.status == LeadInvitation.Status.ACCEPTED
    assert Membership.objects.filter(community=project.community, member=aicha).exists()
    change = LeadChange.objects.get(project=project)
    assert (change.member, change.kind, change.actor) == (aicha, LeadChange.Kind.JOINED, aicha)
    # Accepting twice changes nothing.
    services.lead_invitation_accept(invitation=invitation, actor=aicha)
    assert project.leads.count() == 2
    assert LeadChange.objects.filter(project=project).count() == 1


def test_the_invited_member_is_emailed_once_committed_where_to_answer(
    project, aicha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(project, "aicha_tz")

    (email,) = mail.outbox
    assert email.to == ["aicha_tz@private.example"]
    assert project.title in email.subject
    assert "@lead_one invites you to co-lead" in email.body
    assert "/me/invitations/" in email.body


def test_a_member_without_an_address_is_not_emailed_but_finds_the_invitation_on_their_page(
    client, project, django_capture_on_commit_callbacks
):
    member = MemberFactory(handle="no_mail", email=None)
    with django_capture_on_commit_callbacks(execute=True):
        invite(project, "no_mail")

    assert mail.outbox == []
    client.force_login(member)
    page = client.get(reverse("projects:my_invitations")).content.decode()
    assert project.title in page
    assert "invited by @lead_one" in page


def test_invitation_emails_one_member_receives_are_limited(settings, aicha, django_capture_on_commit_callbacks):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation_email": "2/day"}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            invite(ProjectFactory(), "aicha_tz")

    assert len(mail.outbox) == 2
    assert LeadInvitation.objects.filter(member=aicha).count() == 3  # the invitations stand


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("nobody_here", "No member has the handle @nobody_here."),
        ("not a handle!", "No member has the handle @not a handle!."),
        ("lead_one", "@lead_one is already a lead of this project."),
    ],
)
def test_an_invitation_names_a_member_who_is_not_yet_a_lead(project, handle, message):
    with pytest.raises(DomainError) as refused:
        invite(project, handle)

    assert refused.value.message == message
    assert refused.value.field == "handle"
    assert not LeadInvitation.objects.exists()


def test_a_member_has_one_open_invitation_per_project(project, aicha):
    invite(project, "aicha_tz")

    with pytest.raises(DomainError, match="already invited: the invitation is open until"):
        invite(project, "aicha_tz")
    assert LeadInvitation.objects.count() == 1


def test_a_member_who_declined_is_not_invited_again_for_a_month(project, aicha):
    invitation = invite(project, "aicha_tz")
    services.lead_invitation_decline(invitation=invitation, actor=aicha)

    with pytest.raises(DomainError, match=f"declined an invitation to this project less than {DECLINED_WAIT_DAYS}"):
        invite(project, "aicha_tz")

    LeadInvitation.objects.filter(pk=invitation.pk).update(
        answered_at=timezone.now() - timedelta(days=DECLINED_WAIT_DAYS + 1)
    )
    assert invite(project, "aicha_tz").status == LeadInvitation.Status.PENDING


def test_a_project_has_a_bounded_number_of_open_invitations(project):
    for number in range(OPEN_INVITATIONS_MAX):
        invite(project, MemberFactory(handle=f"invited_{number}").handle)

    with pytest.raises(DomainError, match=f"at most {OPEN_INVITATIONS_MAX} open invitations") as refused:
        invite(project, MemberFactory(handle="one_more").handle)
    assert refused.value.code == "limit_reached"
    assert LeadInvitation.objects.count() == OPEN_INVITATIONS_MAX


def test_a_lapsed_invitation_can_no_longer_be_accepted_and_the_member_may_be_invited_again(project, aicha):
    invitation = invite(project, "aicha_tz")
    LeadInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(IllegalTransition, match="This invitation lapsed on"):
        services.lead_invitation_accept(invitation=invitation, actor=aicha)
    assert handles(project) == ["lead_one"]

    again = invite(project, "aicha_tz")
    invitation.refresh_from_db()
    assert invitation.status == LeadInvitation.Status.EXPIRED
    assert again.is_open


def test_only_the_invited_member_answers(project, aicha):
    invitation = invite(project, "aicha_tz")

    for someone in (lead_of(project), MemberFactory()):
        with pytest.raises(NotAllowed):
            services.lead_invitation_accept(invitation=invitation, actor=someone)
        with pytest.raises(NotAllowed):
            services.lead_invitation_decline(invitation=invitation, actor=someone)
    invitation.refresh_from_db()
    assert invitation.status == LeadInvitation.Status.PENDING


def test_a_withdrawn_or_declined_invitation_cannot_be_accepted(project, aicha):
    withdrawn = invite(project, "aicha_tz")
    services.lead_invitation_withdraw(invitation=withdrawn, actor=lead_of(project))
    with pytest.raises(IllegalTransition, match="withdrawn by the project's leads"):
        services.lead_invitation_accept(invitation=withdrawn, actor=aicha)

    declined = invite(project, "aicha_tz")
    services.lead_invitation_decline(invitation=declined, actor=aicha)
    with pytest.raises(IllegalTransition, match="already declined"):
        services.lead_invitation_accept(invitation=declined, actor=aicha)
    assert handles(project) == ["lead_one"]


def test_a_member_suspended_in_the_community_may_not_become_a_lead_there(project, aicha):
    invitation = invite(project, "aicha_tz")
    MembershipFactory(community=project.community, member=aicha, suspended_at=timezone.now())

    with pytest.raises(NotAllowed, match="suspended"):
        services.lead_invitation_accept(invitation=invitation, actor=aicha)
    assert handles(project) == ["lead_one"]


# --- Removing a lead, stepping down --------------------------------------------------------------


def test_a_lead_removes_another_lead_and_the_change_is_recorded(project, aicha):
    first = lead_of(project)
    services.project_add_lead(project=project, actor=first, member=aicha)

    services.project_remove_lead(project=project, actor=first, member=aicha)

    assert handles(project) == ["lead_one"]
    removed = LeadChange.objects.get(kind=LeadChange.Kind.REMOVED)
    assert (removed.member, removed.actor) == (aicha, first)


def test_a_lead_steps_down_when_another_lead_remains(project, aicha):
    first = lead_of(project)
    services.project_add_lead(project=project, actor=first, member=aicha)

    services.project_remove_lead(project=project, actor=first, member=first)

    assert handles(project) == ["aicha_tz"]
    assert LeadChange.objects.filter(kind=LeadChange.Kind.STEPPED_DOWN, member=first).exists()


def test_the_last_lead_can_neither_step_down_nor_be_removed(project):
    only = lead_of(project)
    moderator = make_moderator(project.community)

    with pytest.raises(IllegalTransition, match="You are the project's only lead") as stepping_down:
        services.project_remove_lead(project=project, actor=only, member=only)
    with pytest.raises(IllegalTransition, match="a project always keeps at least one lead") as removed:
        services.project_remove_lead(project=project, actor=moderator, member=only)

    assert stepping_down.value.code == removed.value.code == "last_lead"
    assert handles(project) == ["lead_one"]
    assert not LeadChange.objects.exists()


def test_deleting_an_account_takes_the_member_off_the_team_with_a_record(project, aicha):
    services.project_add_lead(project=project, actor=lead_of(project), member=aicha)
    other = ProjectFactory()
    invite(other, "aicha_tz")

    member_erase(member=aicha)

    assert handles(project) == ["lead_one"]
    assert LeadChange.objects.filter(project=project, kind=LeadChange.Kind.ACCOUNT_DELETED).count() == 1
    assert not LeadInvitation.objects.filter(project=other).exists()


# --- The pages -----------------------------------------------------------------------------------


def test_the_team_page_invites_by_handle_and_lists_the_open_invitation(client, project, aicha):
    client.force_login(lead_of(project))
    url = reverse("projects:team", args=["tighzit"])

    response = client.post(url, {"handle": "@aicha_tz"}, follow=True)

    page = response.content.decode()
    assert "@aicha_tz is invited" in page
    assert "Withdraw the invitation" in page
    assert LeadInvitation.objects.get().member == aicha


def test_the_team_page_says_what_is_wrong_with_a_handle_and_keeps_it(client, project):
    client.force_login(lead_of(project))

    response = client.post(reverse("projects:team", args=["tighzit"]), {"handle": "x" * 40})

    assert response.status_code == 400
    assert "Ensure this value has at most 31 characters" in response.content.decode()
    response = client.post(reverse("projects:team", args=["tighzit"]), {"handle": "ghost_member"})
    assert response.status_code == 400
    assert "No member has the handle @ghost_member." in response.content.decode()
    assert 'value="ghost_member"' in response.content.decode()
    assert not LeadInvitation.objects.exists()


def test_the_member_accepts_on_their_invitations_page_and_reaches_the_dashboard(client, project, aicha):
    invitation = invite(project, "aicha_tz")
    client.force_login(aicha)
    page = client.get(reverse("projects:my_invitations")).content.decode()
    assert project.title in page

    response = client.post(reverse("projects:invitation_accept", args=[invitation.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("pages:dashboard", args=["tighzit"])
    assert client.get(response["Location"]).status_code == 200
    assert "aicha_tz" in handles(project)


def test_the_member_declines_on_their_invitations_page(client, project, aicha):
    invitation = invite(project, "aicha_tz")
    client.force_login(aicha)

    response = client.post(reverse("projects:invitation_decline", args=[invitation.pk]), follow=True)

    assert "You declined the invitation." in response.content.decode()
    assert "You have no invitation waiting for an answer." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == LeadInvitation.Status.DECLINED


def test_another_members_invitation_is_not_found(client, project, aicha):
    invitation = invite(project, "aicha_tz")
    client.force_login(MemberFactory())

    assert client.post(reverse("projects:invitation_accept", args=[invitation.pk])).status_code == 404
    assert handles(project) == ["lead_one"]


def test_the_last_lead_is_told_why_they_cannot_step_down(client, project):
    client.force_login(lead_of(project))

    response = client.post(reverse("projects:lead_remove", args=["tighzit", "lead_one"]), follow=True)

    assert "You are the project&#x27;s only lead" in response.content.decode()
    assert handles(project) == ["lead_one"]


def test_a_lead_who_steps_down_leaves_the_dashboard(client, project, aicha):
    services.project_add_lead(project=project, actor=lead_of(project), member=aicha)
    client.force_login(aicha)

    response = client.post(reverse("projects:lead_remove", args=["tighzit", "aicha_tz"]))

    assert response.status_code == 302
    assert handles(project) == ["lead_one"]
    assert client.get(reverse("pages:dashboard", args=["tighzit"])).status_code == 403


def test_the_dashboard_names_the_team_and_links_to_it(client, project):
    client.force_login(lead_of(project))

    page = client.get(reverse("pages:dashboard", args=["tighzit"])).content.decode()

    assert "@lead_one" in page
    assert reverse("projects:team", args=["tighzit"]) in page


def test_invitations_sent_are_limited_per_member(client, settings, project):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "2/day"}
    client.force_login(lead_of(project))
    url = reverse("projects:team", args=["tighzit"])
    for number in range(2):
        client.post(url, {"handle": MemberFactory(handle=f"friend_{number}").handle})

    response = client.post(url, {"handle": MemberFactory(handle="friend_3").handle})

    assert response.status_code == 429
    assert LeadInvitation.objects.count() == 2


# --- Who may do what -----------------------------------------------------------------------------


ROLES = (
    "anonymous",
    "outsider",
    "member of the community",
    "invited member",
    "lead",
    "moderator",
    "moderator elsewhere",
    "superuser",
)
# role: (sees the team page, invites, withdraws, removes the co-lead)
ALLOWED = {
    "anonymous": (False, False, False, False),
    "outsider": (False, False, False, False),
    "member of the community": (False, False, False, False),
    "invited member": (False, False, False, False),
    "lead": (True, True, True, True),
    "moderator": (True, True, True, True),
    "moderator elsewhere": (False, False, False, False),
    "superuser": (True, True, True, True),
}


@pytest.fixture
def team():
    community = CommunityFactory()
    lead, co_lead, invited = MemberFactory(), MemberFactory(handle="co_lead"), MemberFactory()
    project = ProjectFactory(community=community, slug="team", leads=[lead, co_lead])
    invitation = services.lead_invitation_create(project=project, actor=lead, handle=invited.handle)
    member = MemberFactory()
    MembershipFactory(community=community, member=member)
    people = {
        "anonymous": None,
        "outsider": MemberFactory(),
        "member of the community": member,
        "invited member": invited,
        "lead": lead,
        "moderator": make_moderator(community),
        "moderator elsewhere": make_moderator(CommunityFactory()),
        "superuser": MemberFactory(is_superuser=True, is_staff=True),
    }
    return project, invitation, people


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_and_change_the_team(client, team, role):
    project, invitation, people = team
    if people[role] is not None:
        client.force_login(people[role])
    sees, invites, withdraws, removes = ALLOWED[role]
    refused = 302 if role == "anonymous" else 403

    assert client.get(reverse("projects:team", args=["team"])).status_code == (200 if sees else refused)

    newcomer = MemberFactory()
    response = client.post(reverse("projects:team", args=["team"]), {"handle": newcomer.handle})
    assert response.status_code == (302 if invites else refused)
    assert LeadInvitation.objects.filter(member=newcomer).exists() == invites

    response = client.post(reverse("projects:invitation_withdraw", args=["team", invitation.pk]))
    assert response.status_code == (302 if withdraws else refused)
    invitation.refresh_from_db()
    assert (invitation.status == LeadInvitation.Status.WITHDRAWN) == withdraws

    response = client.post(reverse("projects:lead_remove", args=["team", "co_lead"]))
    assert response.status_code == (302 if removes else refused)
    assert project.leads.filter(handle="co_lead").exists() != removes


def test_a_lead_of_another_project_cannot_touch_this_team(team):
    project, invitation, _people = team
    stranger = ProjectFactory().leads.get()

    with pytest.raises(NotAllowed):
        services.lead_invitation_create(project=project, actor=stranger, handle=MemberFactory().handle)
    with pytest.raises(NotAllowed):
        services.lead_invitation_withdraw(invitation=invitation, actor=stranger)
    with pytest.raises(NotAllowed):
        services.project_remove_lead(project=project, actor=stranger, member=project.leads.get(handle="co_lead"))
    assert Project.objects.get(pk=project.pk).leads.count() == 2
