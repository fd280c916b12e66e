"""What a community's moderators see and do in its queue: projects in review, reported content
with its reports, pledges corrected at their donors' request (never revealing an anonymous
donor), and the audit of everything they did."""

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from donations.models import Pledge
from moderation import services
from moderation.models import Flag, ModerationAction
from moderation.tests.factories import FlagFactory, ModerationActionFactory
from moderation.tests.world import published_update
from moderation.views import AUDIT_PER_PAGE
from projects.models import Project

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.django_db]

QUEUE = "/c/twittoma/moderate/"


@pytest.fixture
def moderator_client(client, world):
    client.force_login(world.moderator)
    return client


def page_of(client, url=QUEUE):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_shows_projects_in_review_and_reported_content_with_its_reports(moderator_client, world):
    FlagFactory(project=world.here.project, reason=Flag.Reason.FRAUD, note="Le village n'existe pas")
    page = page_of(moderator_client)
    assert "Puits here" in page
    assert "Achetez mes montres" in page  # the update hidden at the threshold
    assert "Hidden after 3 reports: spam" in page
    for reporter in world.here.reporters:
        assert f"@{reporter.handle}" in page
    assert "Le village n&#x27;existe pas" in page
    # Nothing of the other community.
    assert "Puits elsewhere" not in page
    assert "elsewhere_reporter_0" not in page


def test_the_queue_never_shows_who_made_an_anonymous_pledge(moderator_client, world):
    anonymous = world.here.anonymous_pledge
    for reporter in world.here.reporters:
        services.flag_create(reporter=reporter, kind="pledge", target_id=anonymous.pk, reason=Flag.Reason.SPAM)
    pages = [page_of(moderator_client), page_of(moderator_client, f"{QUEUE}?pledge={anonymous.pk}")]
    services.pledge_correct(
        actor=world.moderator, community=world.here.community, pledge_id=anonymous.pk, correction="erase_message"
    )
    pages.append(page_of(moderator_client))
    assert "Pour Tighzit" in pages[0]  # the reported message, for the moderators to judge
    for page in pages:
        assert anonymous.donor.handle not in page
    assert not ModerationAction.objects.filter(target__contains=anonymous.donor.handle).exists()


def test_a_public_pledge_is_found_by_its_number_and_made_anonymous(moderator_client, world):
    pledge = world.here.public_pledge
    page = page_of(moderator_client, f"{QUEUE}?pledge={pledge.pk}")
    assert "@genereuse" in page  # public anyway
    response = moderator_client.post(
        reverse("moderation:pledge_correct", args=["twittoma", pledge.pk]),
        {"correction": "make_anonymous", "note": "Demandé par DM"},
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.is_anonymous
    corrected = ModerationAction.objects.get(action=ModerationAction.Action.PLEDGE_CORRECTED)
    assert corrected.note == "Made anonymous at the donor's request. Demandé par DM"
    assert corrected.target == f"Pledge no. {pledge.pk} (couverture, “École here”)"


@pytest.mark.parametrize(
    ("correction", "visibility", "message", "hidden"),
    [
        ("hide_message", Pledge.Visibility.PUBLIC, "Courage à vous", True),
        ("erase_message", Pledge.Visibility.PUBLIC, "", False),
    ],
)
def test_a_pledge_message_is_hidden_or_erased_at_the_donors_request(world, correction, visibility, message, hidden):
    pledge = world.here.public_pledge
    services.pledge_correct(
        actor=world.moderator, community=world.here.community, pledge_id=pledge.pk, correction=correction
    )
    pledge.refresh_from_db()
    assert (pledge.visibility, pledge.message, pledge.message_hidden_at is not None) == (visibility, message, hidden)


@pytest.mark.parametrize("correction", ["make_public", "public", ""])
def test_a_moderator_can_never_make_a_pledge_public(moderator_client, world, correction):
    pledge = world.here.anonymous_pledge
    response = moderator_client.post(
        reverse("moderation:pledge_correct", args=["twittoma", pledge.pk]), {"correction": correction}, follow=True
    )
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    pledge.refresh_from_db()
    assert pledge.is_anonymous
    assert not ModerationAction.objects.filter(action=ModerationAction.Action.PLEDGE_CORRECTED).exists()


@pytest.mark.parametrize("typed", ["abc", "١٢", "１２", "1" * 13, "-4"])
def test_a_pledge_number_that_is_no_number_is_a_message(moderator_client, typed):
    response = moderator_client.get(QUEUE, {"pledge": typed})
    assert response.status_code == 200
    assert response.context["find_form"].errors
    assert response.context["pledge"] is None


def test_a_pledge_of_another_community_is_not_found(moderator_client, world):
    other = world.elsewhere.public_pledge
    response = moderator_client.get(QUEUE, {"pledge": other.pk})
    assert response.context["pledge"] is None
    assert "No pledge of this community has this number." in str(response.context["find_form"].errors)
    response = moderator_client.post(
        reverse("moderation:pledge_correct", args=["twittoma", other.pk]), {"correction": "make_anonymous"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.is_anonymous


def test_sending_back_needs_a_note_the_leads_then_read_on_their_dashboard(client, moderator_client, world):
    url = reverse("moderation:review", args=["twittoma", world.here.in_review.pk])
    response = moderator_client.post(url, {"decision": "send_back", "note": "  "}, follow=True)
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    assert Project.objects.get(pk=world.here.in_review.pk).status == Project.Status.IN_REVIEW

    moderator_client.post(url, {"decision": "send_back", "note": "Ajoutez le devis du puisatier"})
    assert Project.objects.get(pk=world.here.in_review.pk).status == Project.Status.DRAFT
    client.force_login(world.lead)
    dashboard = client.get(reverse("pages:dashboard", args=[world.here.in_review.slug])).content.decode()
    assert "Ajoutez le devis du puisatier" in dashboard


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "approve", "note": "x" * 1001},
        {"decision": "publish"},
    ],
    ids=["note too long", "unknown decision"],
)
def test_bad_review_input_is_a_message_and_changes_nothing(moderator_client, world, data):
    url = reverse("moderation:review", args=["twittoma", world.here.in_review.pk])
    response = moderator_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    assert Project.objects.get(pk=world.here.in_review.pk).status == Project.Status.IN_REVIEW


def test_approving_a_project_no_longer_in_review_is_a_message(moderator_client, world):
    url = reverse("moderation:review", args=["twittoma", world.here.project.pk])  # already open
    response = moderator_client.post(url, {"decision": "approve"}, follow=True)
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    assert not ModerationAction.objects.filter(action=ModerationAction.Action.APPROVED).exists()


def test_deciding_on_content_nobody_reported_is_a_message(moderator_client, world):
    url = reverse("moderation:decide", args=["twittoma", "update", world.here.update.pk])
    response = moderator_client.post(url, {"decision": "remove"}, follow=True)
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    world.here.update.refresh_from_db()
    assert not world.here.update.is_hidden


def test_the_audit_lists_every_action_newest_first_a_page_at_a_time(moderator_client, world):
    community = world.here.community
    for number in range(AUDIT_PER_PAGE + 5):
        ModerationActionFactory(community=community, actor=world.moderator, target=f"Cible {number:02d}")
    ModerationActionFactory(target="Ailleurs seulement")  # another community's
    response = moderator_client.get(QUEUE)
    shown = [action.target for action in response.context["audit"].object_list]
    assert len(shown) == AUDIT_PER_PAGE
    assert shown[0] == f"Cible {AUDIT_PER_PAGE + 4:02d}"
    second = moderator_client.get(QUEUE, {"page": 2}).context["audit"].object_list
    assert "Ailleurs seulement" not in [action.target for action in second]
    # Those of the world (its suspension, the update hidden by its reports) come last.
    assert [action.action for action in second][-2:] == [
        ModerationAction.Action.SUSPENDED,
        ModerationAction.Action.HIDDEN,
    ]


def test_an_audit_row_is_never_edited(world):
    action = ModerationAction.objects.first()
    action.note = "réécrit"
    with pytest.raises(ValueError):
        action.save()


def test_the_queue_reads_a_fixed_number_of_queries(moderator_client, world, django_assert_max_num_queries):
    def report_more(count):
        for _ in range(count):
            update = published_update(world.here.project)
            FlagFactory(on_update=True, update=update)
            FlagFactory(on_pledge=True, pledge__need=world.here.need, pledge__message="Spam")
            FlagFactory(on_profile=True, profile=world.here.to_suspend, reporter=MemberFactory(password=None))
            ModerationActionFactory(community=world.here.community)

    report_more(1)
    with django_assert_max_num_queries(30) as few:
        moderator_client.get(QUEUE)
    report_more(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = moderator_client.get(QUEUE)
    assert response.context["flagged_total"] >= 12


def test_the_community_page_links_its_moderators_to_the_queue_with_what_waits(client, world):
    client.force_login(world.moderator)
    response = client.get(world.here.community.get_absolute_url())
    # The project in review and the hidden update.
    assert response.context["moderation_waiting"] == 2
    assert QUEUE in response.content.decode()
    client.force_login(world.member)
    response = client.get(world.here.community.get_absolute_url())
    assert response.context["moderation_waiting"] is None
    assert QUEUE not in response.content.decode()


def test_a_profile_report_reaches_the_communities_where_the_member_takes_part(client, world):
    donor = world.here.public_pledge.donor  # gave to a project of "here", member of no community
    FlagFactory(on_profile=True, profile=donor)
    client.force_login(world.moderator)
    assert f"@{donor.handle}" in page_of(client)
    client.force_login(world.other_moderator)
    assert f"@{donor.handle}" not in page_of(client, "/c/instant-resilience/moderate/")


def test_a_profile_report_of_a_member_who_takes_part_nowhere_is_in_the_superusers_queue(client, world):
    newcomer = MemberFactory(handle="nouvelle_venue", password=None)
    for reporter in world.here.reporters:
        services.flag_create(reporter=reporter, kind="profile", target_id=newcomer.pk, reason=Flag.Reason.ABUSE)
    client.force_login(world.superuser)
    assert "@nouvelle_venue" in page_of(client, reverse("moderation:site_queue"))
    assert "@nouvelle_venue" not in page_of(client)
    client.post(reverse("moderation:site_decide", args=["profile", newcomer.pk]), {"decision": "restore"})
    newcomer.refresh_from_db()
    assert newcomer.profile_hidden_at is None
    restored = ModerationAction.objects.get(action=ModerationAction.Action.RESTORED)
    assert (restored.community, restored.actor) == (None, world.superuser)


def test_the_demo_moderator_uses_the_queue_of_both_communities(client):
    from django.core.management import call_command

    from accounts.models import Member

    call_command("load_demo", verbosity=0)
    client.force_login(Member.objects.get(handle="moderatrice"))
    for slug in ("twittoma", "instant-resilience"):
        assert client.get(f"/c/{slug}/moderate/").status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("review", {"decision": "send_back", "note": "\x00"}),
        ("pledge_correct", {"correction": "make_anonymous\x00"}),
    ],
)
def test_a_nul_character_in_a_moderation_form_is_refused_before_anything_changes(moderator_client, world, name, data):
    # The site refuses a NUL anywhere in a form (core/nul_bytes.py): a 400 page, nothing written.
    target = world.here.in_review.pk if name == "review" else world.here.anonymous_pledge.pk
    actions_before = ModerationAction.objects.count()
    response = moderator_client.post(reverse(f"moderation:{name}", args=["twittoma", target]), data)
    assert response.status_code == 400
    assert Project.objects.get(pk=world.here.in_review.pk).status == Project.Status.IN_REVIEW
    assert ModerationAction.objects.count() == actions_before
    assert Pledge.objects.get(pk=world.here.anonymous_pledge.pk).is_anonymous
