"""Members report content; reported by enough distinct members, it is hidden until a moderator
restores or removes it."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, NotAllowed
from donations.models import Pledge
from donations.tests.factories import PledgeFactory
from moderation import services
from moderation.models import Flag, ModerationAction
from moderation.tests.factories import FlagFactory
from moderation.tests.world import published_update
from projects.models import Project
from projects.tests.factories import CommunityFactory, MembershipFactory, ProjectFactory, make_moderator
from publishing.models import Update

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]


def members(count):
    return [MemberFactory(password=None) for _ in range(count)]


def flag(reporter, content, reason=Flag.Reason.SPAM, **kwargs):
    kind = {
        Project: Flag.Kind.PROJECT,
        Update: Flag.Kind.UPDATE,
        Pledge: Flag.Kind.PLEDGE,
    }.get(type(content), Flag.Kind.PROFILE)
    return services.flag_create(reporter=reporter, kind=kind, target_id=content.pk, reason=reason, **kwargs)


@pytest.fixture
def project():
    return ProjectFactory(slug="tighzit", title="Classe de Tighzit")


@pytest.fixture
def update(project):
    return published_update(project, title="Les murs sont montés")


@pytest.fixture
def pledge(project):
    return PledgeFactory(need__project=project, message="Achetez mes montres sur example.com")


@pytest.fixture
def profile():
    return MemberFactory(handle="vendeur_de_montres", password=None)


@pytest.fixture(params=["project", "update", "pledge", "profile"])
def content(request):
    return request.getfixturevalue(request.param)


def hidden_fields(content):
    content.refresh_from_db()
    if isinstance(content, Pledge):
        return content.message_hidden_at, content.message_hidden_reason
    if isinstance(content, Project | Update):
        return content.hidden_at, content.hidden_reason
    return content.profile_hidden_at, content.profile_hidden_reason


def test_a_member_reports_content_with_a_reason_and_a_note(content):
    reporter = MemberFactory(password=None)
    recorded = flag(reporter, content, Flag.Reason.FRAUD, note="Ce n'est pas le vrai village")
    assert (recorded.reporter, recorded.target, recorded.reason, recorded.state) == (
        reporter,
        content,
        Flag.Reason.FRAUD,
        Flag.State.OPEN,
    )
    assert recorded.note == "Ce n'est pas le vrai village"
    assert hidden_fields(content) == (None, "")


def test_a_member_reports_a_piece_of_content_once(content):
    reporter = MemberFactory(password=None)
    flag(reporter, content)
    with pytest.raises(DomainError):
        flag(reporter, content, Flag.Reason.ABUSE)
    assert Flag.objects.count() == 1


def test_the_database_refuses_a_second_open_flag_by_the_same_member(project):
    reporter = MemberFactory(password=None)
    FlagFactory(reporter=reporter, project=project)
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(reporter=reporter, project=project, reason=Flag.Reason.OTHER)
    # Once decided, the same member may report it again.
    Flag.objects.update(state=Flag.State.DISMISSED, decided_at=timezone.now())
    FlagFactory(reporter=reporter, project=project)
    assert Flag.objects.count() == 2


def test_the_database_keeps_a_flag_to_exactly_the_content_of_its_kind(project, update):
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(project=project, update=update)  # a project flag pointing at an update too
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(kind=Flag.Kind.UPDATE, project=project)  # an update flag without its update
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(on_profile=True, community=project.community)  # a profile flag with a community


def test_nobody_reports_their_own_content(project, update, pledge, profile):
    before = Flag.objects.count()
    for reporter, content in [
        (project.created_by, project),  # a lead, their project
        (update.author, update),  # its author
        (project.created_by, update),  # a lead, their project's update
        (pledge.donor, pledge),  # a donor, their message
        (profile, profile),  # a member, their profile
    ]:
        with pytest.raises(NotAllowed):
            flag(reporter, content)
    assert Flag.objects.count() == before


def test_content_reported_by_the_threshold_of_distinct_members_is_hidden_with_their_reasons(content):
    first, second, third = members(3)
    flag(first, content, Flag.Reason.SPAM)
    flag(second, content, Flag.Reason.ABUSE)
    assert hidden_fields(content) == (None, "")
    flag(third, content, Flag.Reason.SPAM)
    hidden_at, reason = hidden_fields(content)
    assert hidden_at is not None
    assert reason == "Hidden after 3 reports: spam, abuse or harassment"
    hidden = ModerationAction.objects.get()
    assert (hidden.action, hidden.actor, hidden.note) == (ModerationAction.Action.HIDDEN, None, reason)


def test_the_threshold_is_a_setting(settings, project):
    settings.FLAG_HIDE_THRESHOLD = 2
    first, second = members(2)
    flag(first, project)
    flag(second, project)
    project.refresh_from_db()
    assert project.is_hidden
    assert project.hidden_reason == "Hidden after 2 reports: spam"


def test_hidden_content_takes_no_more_reports(project):
    for reporter in members(3):
        flag(reporter, project)
    with pytest.raises(DomainError):
        flag(MemberFactory(password=None), project)
    assert Flag.objects.count() == 3
    assert ModerationAction.objects.count() == 1


def test_a_moderator_restores_hidden_content_and_dismisses_its_reports(content):
    for reporter in members(3):
        flag(reporter, content)
    reported = Flag.objects.first()
    community = reported.community
    if community is None:  # a profile: decided where its member takes part
        community = CommunityFactory()
        MembershipFactory(community=community, member=content)
    moderator = make_moderator(community)
    services.flagged_content_restore(
        actor=moderator, community=community, kind=reported.kind, target_id=content.pk, note="Faux signalement"
    )
    assert hidden_fields(content) == (None, "")
    assert set(Flag.objects.values_list("state", "decided_by")) == {(Flag.State.DISMISSED, moderator.pk)}
    restored = ModerationAction.objects.get(action=ModerationAction.Action.RESTORED)
    assert (restored.community, restored.actor, restored.note) == (community, moderator, "Faux signalement")


def test_a_restored_piece_of_content_may_be_reported_again(project):
    reporters = members(3)
    for reporter in reporters:
        flag(reporter, project)
    moderator = make_moderator(project.community)
    services.flagged_content_restore(actor=moderator, community=project.community, kind="project", target_id=project.pk)
    flag(reporters[0], project)
    assert Flag.objects.filter(state=Flag.State.OPEN).count() == 1
    project.refresh_from_db()
    assert not project.is_hidden


def test_removing_keeps_the_content_hidden_and_upholds_its_reports(project):
    for reporter in members(2):
        flag(reporter, project, Flag.Reason.FRAUD)
    moderator = make_moderator(project.community)
    services.flagged_content_remove(actor=moderator, community=project.community, kind="project", target_id=project.pk)
    project.refresh_from_db()
    assert project.is_hidden
    assert project.hidden_reason == "Removed by a moderator after reports: fraud or misleading"
    assert set(Flag.objects.values_list("state", flat=True)) == {Flag.State.UPHELD}
    # The project itself is not cancelled: its status and pledges are the lifecycle's business.
    assert project.status == Project.Status.OPEN


def test_removing_a_pledge_message_erases_it_and_the_pledge_still_counts(pledge):
    for reporter in members(3):
        flag(reporter, pledge, Flag.Reason.PERSONAL_INFORMATION)
    moderator = make_moderator(pledge.need.project.community)
    services.flagged_content_remove(
        actor=moderator, community=pledge.need.project.community, kind="pledge", target_id=pledge.pk
    )
    pledge.refresh_from_db()
    assert pledge.message == ""
    assert pledge.message_hidden_at is not None
    assert pledge.status == Pledge.Status.PLEDGED
    assert not any("montres" in action.note + action.target for action in ModerationAction.objects.all())
    with pytest.raises(DomainError):
        services.flagged_content_restore(
            actor=moderator, community=pledge.need.project.community, kind="pledge", target_id=pledge.pk
        )


def test_a_moderator_does_not_decide_on_their_own_content(project):
    moderator = make_moderator(project.community)
    project.leads.add(moderator)
    for reporter in members(3):
        flag(reporter, project)
    with pytest.raises(NotAllowed):
        services.flagged_content_restore(
            actor=moderator, community=project.community, kind="project", target_id=project.pk
        )
    project.refresh_from_db()
    assert project.is_hidden


def test_a_moderators_profile_is_decided_by_superusers_only(project):
    colleague = make_moderator(project.community)
    moderator = make_moderator(project.community)
    for reporter in members(3):
        flag(reporter, colleague)
    with pytest.raises(NotAllowed):
        services.flagged_content_restore(
            actor=moderator, community=project.community, kind="profile", target_id=colleague.pk
        )
    superuser = MemberFactory(password=None, is_superuser=True)
    services.flagged_content_restore(
        actor=superuser, community=project.community, kind="profile", target_id=colleague.pk
    )
    colleague.refresh_from_db()
    assert colleague.profile_hidden_at is None


def test_what_the_public_does_not_see_cannot_be_reported(project):
    draft = ProjectFactory(community=project.community, status=Project.Status.DRAFT, opened_at=None)
    unpublished = Update.objects.create(project=project, author=project.created_by, title="Brouillon", body="…")
    silent = PledgeFactory(need__project=project, message="")
    for kind, content in [("project", draft), ("update", unpublished), ("pledge", silent)]:
        with pytest.raises(DomainError):
            services.flag_create(reporter=MemberFactory(password=None), kind=kind, target_id=content.pk, reason="spam")
    assert not Flag.objects.exists()


def test_the_author_still_sees_their_hidden_project(client, project):
    for reporter in members(3):
        flag(reporter, project)
    client.force_login(project.created_by)
    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.hidden_reason == "Hidden after 3 reports: spam"
    assert project.hidden_reason in response.content.decode()


# The flag page.


def test_a_signed_out_visitor_is_sent_to_log_in(client, project):
    url = reverse("moderation:flag", args=["project", project.pk])
    for response in (client.get(url), client.post(url, {"reason": "spam"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Flag.objects.exists()


def test_the_flag_page_asks_for_a_reason_and_records_the_report(client, project):
    reporter = MemberFactory(password=None)
    client.force_login(reporter)
    url = reverse("moderation:flag", args=["project", project.pk])
    page = client.get(url)
    assert page.status_code == 200
    for reason in Flag.Reason.values:
        assert f'value="{reason}"' in page.content.decode()
    response = client.post(url, {"reason": "fraud", "note": "Faux projet"})
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert Flag.objects.get().reporter == reporter


def test_the_flag_page_says_why_a_report_is_refused(client, project):
    client.force_login(project.created_by)
    response = client.post(reverse("moderation:flag", args=["project", project.pk]), {"reason": "spam"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "boring"},
        {},
        {"reason": "spam", "note": "x" * 501},
    ],
    ids=["unknown reason", "no reason", "note too long"],
)
def test_bad_input_on_the_flag_page_is_a_message_never_a_500(client, project, data):
    client.force_login(MemberFactory(password=None))
    response = client.post(reverse("moderation:flag", args=["project", project.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Flag.objects.exists()


@pytest.mark.parametrize("data", [{"reason": "spam", "note": "nul \x00 byte"}, {"reason": "spam\x00"}])
def test_a_nul_character_in_a_report_is_refused_and_records_nothing(client, project, data):
    client.force_login(MemberFactory(password=None))
    response = client.post(reverse("moderation:flag", args=["project", project.pk]), data)
    assert response.status_code == 400
    assert not Flag.objects.exists()


@pytest.mark.parametrize("path", ["/flag/comment/1/", "/flag/project/999999/", "/flag/pledge/999999/"])
def test_a_flag_url_for_nothing_is_not_found(client, path):
    client.force_login(MemberFactory(password=None))
    assert client.get(path).status_code == 404


def test_a_draft_has_no_flag_page(client, project):
    draft = ProjectFactory(community=project.community, status=Project.Status.DRAFT, opened_at=None)
    client.force_login(MemberFactory(password=None))
    assert client.get(reverse("moderation:flag", args=["project", draft.pk])).status_code == 404


def test_the_pages_link_to_the_flag_page_except_for_the_author(client, project, update, pledge, profile):
    reporter = MemberFactory(password=None)
    client.force_login(reporter)
    project_page = client.get(project.get_absolute_url()).content.decode()
    assert reverse("moderation:flag", args=["project", project.pk]) in project_page
    assert reverse("moderation:flag", args=["pledge", pledge.pk]) in project_page
    update_page = client.get(update.get_absolute_url()).content.decode()
    assert reverse("moderation:flag", args=["update", update.pk]) in update_page
    assert (
        reverse("moderation:flag", args=["profile", profile.pk])
        in client.get(profile.get_absolute_url()).content.decode()
    )

    client.force_login(project.created_by)
    project_page = client.get(project.get_absolute_url()).content.decode()
    assert reverse("moderation:flag", args=["project", project.pk]) not in project_page
    assert (
        reverse("moderation:flag", args=["update", update.pk])
        not in client.get(update.get_absolute_url()).content.decode()
    )
    client.force_login(pledge.donor)
    assert (
        reverse("moderation:flag", args=["pledge", pledge.pk])
        not in client.get(project.get_absolute_url()).content.decode()
    )
    client.force_login(profile)
    assert (
        reverse("moderation:flag", args=["profile", profile.pk])
        not in client.get(profile.get_absolute_url()).content.decode()
    )
