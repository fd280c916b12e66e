"""A need is shown to whoever is shown its project: `needs/{id}/` answers as `projects/{slug}/`
does (the project's detail lists its needs), and `needs/` lists the needs of the projects that
`projects/` lists. A moderator of the community sees a draft's or a proposal's needs, as they see
the project; once a 500 (the detail's permission let them in, its query did not)."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import MemberFactory
from donations.tests.factories import NeedFactory
from projects.models import Project
from projects.tests.factories import CommunityFactory, ProjectFactory, make_moderator

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "lead", "moderator", "other_moderator")
SEEN_BY_ALL = dict.fromkeys(ROLES, 200)
SEEN_BY_ITS_PEOPLE = {"anonymous": 404, "member": 404, "lead": 200, "moderator": 200, "other_moderator": 404}


@pytest.fixture
def world():
    community = CommunityFactory(slug="twittoma")
    people = {
        "member": MemberFactory(handle="passante"),
        "lead": MemberFactory(handle="lead_tighzit"),
        "moderator": make_moderator(community, MemberFactory(handle="moderatrice")),
        "other_moderator": make_moderator(CommunityFactory(slug="lome"), MemberFactory(handle="moderateur_lome")),
    }
    needs = {}
    for status in (Project.Status.DRAFT, Project.Status.IN_REVIEW, Project.Status.OPEN):
        project = ProjectFactory(community=community, created_by=people["lead"], slug=f"p-{status}", status=status)
        needs[status] = NeedFactory(project=project)
    return people, needs


def client_for(people, role):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(user=people[role])
    return client


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Project.Status.DRAFT, SEEN_BY_ITS_PEOPLE),
        (Project.Status.IN_REVIEW, SEEN_BY_ITS_PEOPLE),
        (Project.Status.OPEN, SEEN_BY_ALL),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_a_need_is_shown_to_whoever_is_shown_its_project(world, status, expected, role):
    people, needs = world
    need = needs[status]
    client = client_for(people, role)

    project_answer = client.get(f"/api/v1/projects/{need.project.slug}/")
    need_answer = client.get(f"/api/v1/needs/{need.pk}/")

    assert (need_answer.status_code, project_answer.status_code) == (expected[role], expected[role])
    if expected[role] == 200:
        assert need_answer.json()["id"] == need.pk
        assert need_answer.json()["project"] == need.project.slug
        assert need.pk in [shown["id"] for shown in project_answer.json()["needs"]]
    else:
        assert need_answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_the_needs_list_holds_the_needs_of_the_listed_projects(world, role):
    people, needs = world
    client = client_for(people, role)

    listed_projects = {row["slug"] for row in client.get("/api/v1/projects/?page_size=100").json()["results"]}
    listed_needs = client.get("/api/v1/needs/?page_size=100").json()["results"]

    assert {row["project"] for row in listed_needs} == listed_projects
    # Whatever a list shows, the detail shows too.
    for row in listed_needs:
        assert client.get(f"/api/v1/needs/{row['id']}/").status_code == 200
