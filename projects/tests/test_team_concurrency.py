"""Changes of a project's leads at the same moment (PostgreSQL): each worker goes through the
service in a thread and connection of its own (core/tests/concurrency.py). The test holds the
project's row while they start and lets go only once PostgreSQL shows all of them waiting for
it, so they really contend. Whatever the order, the project keeps at least one lead."""

import pytest

from accounts.privacy import member_erase
from accounts.tests.factories import MemberFactory
from core.tests.concurrency import rows_locked, run_together
from projects import services
from projects.models import LeadChange, Project
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def two_leads():
    first, second = (
        MemberFactory(handle="first_lead", password=None),
        MemberFactory(handle="second_lead", password=None),
    )
    return ProjectFactory(leads=[first, second]), first, second


def held_project(project):
    return rows_locked(Project.objects.filter(pk=project.pk))


def test_two_leads_removing_each_other_at_once_leave_exactly_one_lead():
    project, first, second = two_leads()

    outcomes = run_together(
        {
            "first removes second": lambda: services.project_remove_lead(project=project, actor=first, member=second),
            "second removes first": lambda: services.project_remove_lead(project=project, actor=second, member=first),
        },
        holding=held_project(project),
    )

    assert sorted(kind for kind, _result in outcomes.values()) == ["ok", "refused"]
    assert project.leads.count() == 1
    assert LeadChange.objects.filter(project=project).count() == 1


def test_two_leads_stepping_down_at_once_leave_one_of_them():
    project, first, second = two_leads()

    outcomes = run_together(
        {
            "first steps down": lambda: services.project_remove_lead(project=project, actor=first, member=first),
            "second steps down": lambda: services.project_remove_lead(project=project, actor=second, member=second),
        },
        holding=held_project(project),
    )

    kinds = sorted(kind for kind, _result in outcomes.values())
    assert kinds == ["ok", "refused"]
    refused = next(result for kind, result in outcomes.values() if kind == "refused")
    assert refused.code == "last_lead"
    assert project.leads.count() == 1


def test_a_lead_deleting_their_account_while_the_other_steps_down_leaves_one_lead():
    project, first, second = two_leads()

    outcomes = run_together(
        {
            "first deletes the account": lambda: member_erase(member=first),
            "second steps down": lambda: services.project_remove_lead(project=project, actor=second, member=second),
        },
        holding=held_project(project),
    )

    assert sorted(kind for kind, _result in outcomes.values()) == ["ok", "refused"]
    assert project.leads.count() == 1
