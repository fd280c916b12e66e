"""A project's lifecycle: draft → in review → open → closed → completed, or cancelled.

Moves are made through projects.services.project_transition, from the lead dashboard's
buttons (projects:move). Illegal moves are refused by the service and by the page alike, and
leave nothing behind; each legal move leaves one ProjectTransition.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, IllegalTransition, NotAllowed
from donations import services as donation_services
from donations.models import Pledge, PledgeEvent, Reception
from donations.progress import needs_with_progress
from donations.tests.factories import NeedFactory
from projects.models import Project, ProjectTransition
from projects.services import project_transition
from projects.tests.factories import ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db

Status = Project.Status


def project_in(status, **kwargs):
    project = ProjectFactory(status=status, **kwargs)
    NeedFactory(project=project)
    return project


def move(client, project, to_status, note=""):
    return client.post(
        reverse("projects:move", kwargs={"slug": project.slug}),
        {"to_status": to_status, "note": note},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def status_of(project):
    project.refresh_from_db()
    return project.status


# --- The legal path --------------------------------------------------------------------------


def test_a_project_goes_from_draft_to_completed_one_recorded_move_at_a_time(login):
    project = project_in(Status.DRAFT)
    lead = project.created_by
    moderator = make_moderator(project.community)
    lead_client = login(lead)

    assert move(lead_client, project, Status.IN_REVIEW).status_code == 302
    assert status_of(project) == Status.IN_REVIEW
    move(login(moderator), project, Status.OPEN, note="Looks good")
    assert status_of(project) == Status.OPEN
    assert project.opened_at is not None
    lead_client = login(lead)
    move(lead_client, project, Status.CLOSED)
    move(lead_client, project, Status.OPEN, note="One more week")
    move(lead_client, project, Status.CLOSED)
    move(lead_client, project, Status.COMPLETED)
    assert status_of(project) == Status.COMPLETED

    transitions = list(project.transitions.values_list("from_status", "to_status", "actor"))
    assert transitions == [
        (Status.DRAFT, Status.IN_REVIEW, lead.pk),
        (Status.IN_REVIEW, Status.OPEN, moderator.pk),
        (Status.OPEN, Status.CLOSED, lead.pk),
        (Status.CLOSED, Status.OPEN, lead.pk),
        (Status.OPEN, Status.CLOSED, lead.pk),
        (Status.CLOSED, Status.COMPLETED, lead.pk),
    ]
    assert project.transitions.get(to_status=Status.OPEN, from_status=Status.IN_REVIEW).note == "Looks good"


def test_a_project_without_needs_cannot_be_submitted_for_review(login):
    project = ProjectFactory(status=Status.DRAFT)
    with pytest.raises(DomainError):
        project_transition(project=project, actor=project.created_by, to_status=Status.IN_REVIEW)
    move(login(project.created_by), project, Status.IN_REVIEW)
    assert status_of(project) == Status.DRAFT
    assert not ProjectTransition.objects.exists()


# --- Illegal moves ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "from_status, to_status",
    [
        (Status.DRAFT, Status.OPEN),
        (Status.DRAFT, Status.COMPLETED),
        (Status.OPEN, Status.DRAFT),
        (Status.OPEN, Status.COMPLETED),
        (Status.COMPLETED, Status.OPEN),
        (Status.COMPLETED, Status.CANCELLED),
        (Status.CANCELLED, Status.DRAFT),
        (Status.CANCELLED, Status.IN_REVIEW),
        (Status.CANCELLED, Status.OPEN),
        (Status.CANCELLED, Status.CLOSED),
        (Status.CANCELLED, Status.COMPLETED),
    ],
)
def test_illegal_moves_are_refused_by_the_service_and_the_page(login, from_status, to_status):
    project = project_in(from_status)
    # Even a moderator, who may make every legal move, cannot make an illegal one.
    moderator = make_moderator(project.community)

    with pytest.raises(IllegalTransition):
        project_transition(project=project, actor=moderator, to_status=to_status, note="because")
    response = move(login(project.created_by), project, to_status, note="because")

    assert response.status_code == 302
    assert [message.level_tag for message in response.wsgi_request._messages] == ["error"]
    assert status_of(project) == from_status
    assert not ProjectTransition.objects.exists()


def test_no_move_is_offered_out_of_cancelled_or_completed(login):
    for status in (Status.CANCELLED, Status.COMPLETED):
        project = project_in(status)
        client = login(project.created_by)
        dashboard = client.get(reverse("pages:dashboard", kwargs={"slug": project.slug}))
        assert dashboard.context["can_move"] is False
        response = client.get(reverse("pages:project_status", kwargs={"slug": project.slug}))
        assert response.context["moves"] == []


def test_an_unknown_status_is_refused_without_error(login):
    project = project_in(Status.OPEN)
    response = move(login(project.created_by), project, "archived")
    assert response.status_code == 302
    assert status_of(project) == Status.OPEN


# --- Review belongs to the community's moderators ---------------------------------------------


def test_lead_cannot_open_their_own_project_in_review(login):
    project = project_in(Status.IN_REVIEW)
    lead = project.created_by

    with pytest.raises(NotAllowed):
        project_transition(project=project, actor=lead, to_status=Status.OPEN)
    assert move(login(lead), project, Status.OPEN).status_code == 403

    assert status_of(project) == Status.IN_REVIEW
    assert not ProjectTransition.objects.exists()


def test_moderator_of_another_community_cannot_open_it(login):
    project = project_in(Status.IN_REVIEW)
    outsider = make_moderator(ProjectFactory().community)

    with pytest.raises(NotAllowed):
        project_transition(project=project, actor=outsider, to_status=Status.OPEN)
    assert move(login(outsider), project, Status.OPEN).status_code == 404  # a project in review is not theirs to see
    assert status_of(project) == Status.IN_REVIEW


def test_moderator_of_the_community_opens_it_from_the_status_page(login):
    project = project_in(Status.IN_REVIEW)
    moderator = make_moderator(project.community)
    client = login(moderator)

    page = client.get(reverse("pages:project_status", kwargs={"slug": project.slug}))
    assert Status.OPEN in [status for status, _label, _consequence in page.context["moves"]]
    response = move(client, project, Status.OPEN)

    assert response.status_code == 302
    assert status_of(project) == Status.OPEN
    assert project.transitions.get().actor == moderator


def test_member_who_is_not_a_lead_cannot_move_an_open_project(login):
    project = project_in(Status.OPEN)
    assert move(login(MemberFactory()), project, Status.CLOSED).status_code == 403
    assert move(login(MemberFactory()), project, Status.DRAFT).status_code == 403
    assert status_of(project) == Status.OPEN


def test_visitor_is_sent_to_log_in_and_nothing_moves(client):
    project = project_in(Status.OPEN)
    response = move(client, project, Status.CLOSED)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert status_of(project) == Status.OPEN


# --- Cancelling a project --------------------------------------------------------------------


def test_cancelling_needs_a_reason(login):
    project = project_in(Status.OPEN)
    lead = project.created_by

    with pytest.raises(DomainError) as refused:
        project_transition(project=project, actor=lead, to_status=Status.CANCELLED, note="   ")
    assert refused.value.field == "note"
    response = move(login(lead), project, Status.CANCELLED, note="")

    assert response.status_code == 302
    assert status_of(project) == Status.OPEN
    assert not ProjectTransition.objects.exists()


def test_cancelling_cancels_pledges_not_yet_received_and_keeps_receptions(login):
    project = ProjectFactory(status=Status.OPEN)
    lead = project.created_by
    need = NeedFactory(project=project, target_quantity=Decimal("200"))

    def pledge(quantity):
        return donation_services.pledge_create(
            donor=MemberFactory(), need=need, quantity=quantity, channel=Pledge.Channel.DROP_OFF
        )

    waiting, partly, fully = pledge("10"), pledge("10"), pledge("5")
    donation_services.reception_record(pledge=partly, actor=lead, quantity="4")
    donation_services.reception_record(pledge=fully, actor=lead, quantity="5")
    events_before = PledgeEvent.objects.count()

    response = move(login(lead), project, Status.CANCELLED, note="The village found another sponsor.")

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.cancellation_reason) == (Status.CANCELLED, "The village found another sponsor.")
    for standing in (waiting, partly, fully):
        standing.refresh_from_db()
    assert (waiting.status, partly.status, fully.status) == (
        Pledge.Status.CANCELLED,
        Pledge.Status.CANCELLED,
        Pledge.Status.FULFILLED,
    )
    assert "The village found another sponsor." in waiting.cancellation_reason
    # One event per cancelled pledge; what arrived stays recorded and counted.
    assert PledgeEvent.objects.count() == events_before + 2
    assert sorted(Reception.objects.values_list("quantity", flat=True)) == [4, 5]
    progress = needs_with_progress().get(pk=need.pk)
    assert (progress.received, progress.pledged) == (Decimal("9"), Decimal("9"))
    # A cancelled project takes no more pledges.
    with pytest.raises(DomainError):
        pledge("1")
