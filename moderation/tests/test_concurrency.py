"""Reports arriving together (PostgreSQL): each worker flags through the service, in a thread and
connection of its own (core/tests/concurrency.py). The test holds the project's row locked while
they start, and lets go only once PostgreSQL shows all of them waiting for it: they really
contend for the row the service locks. The reports are then counted exactly, and the content is
hidden exactly once, by the report that reached the threshold."""

import pytest

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from core.tests.concurrency import rows_locked, run_together
from moderation import services
from moderation.models import Flag, ModerationAction
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.usefixtures("in_english"), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def report(reporter, project, reason=Flag.Reason.SPAM):
    return lambda: services.flag_create(reporter=reporter, kind="project", target_id=project.pk, reason=reason)


def test_simultaneous_reports_at_the_threshold_hide_the_content_exactly_once(settings):
    settings.FLAG_HIDE_THRESHOLD = 3
    project = ProjectFactory()
    reporters = [MemberFactory(password=None) for _ in range(4)]
    outcomes = run_together(
        {f"reporter {n}": report(reporter, project) for n, reporter in enumerate(reporters)},
        holding=rows_locked(Project.objects.filter(pk=project.pk)),
    )
    # Three reports reach the threshold; the fourth finds the project hidden and is refused.
    kinds = sorted(kind for kind, _result in outcomes.values())
    assert kinds == ["ok", "ok", "ok", "refused"]
    assert Flag.objects.filter(project=project, state=Flag.State.OPEN).count() == 3
    assert Flag.objects.filter(project=project).values("reporter").distinct().count() == 3
    project.refresh_from_db()
    assert project.is_hidden
    assert project.hidden_reason == "Hidden after 3 reports: spam"
    assert ModerationAction.objects.filter(action=ModerationAction.Action.HIDDEN).count() == 1


def test_three_simultaneous_reports_hide_once_and_count_three(settings):
    settings.FLAG_HIDE_THRESHOLD = 3
    project = ProjectFactory()
    reasons = [Flag.Reason.SPAM, Flag.Reason.ABUSE, Flag.Reason.SPAM]
    outcomes = run_together(
        {f"reporter {n}": report(MemberFactory(password=None), project, reason) for n, reason in enumerate(reasons)},
        holding=rows_locked(Project.objects.filter(pk=project.pk)),
    )
    assert [kind for kind, _result in outcomes.values()] == ["ok"] * 3
    assert Flag.objects.filter(project=project, state=Flag.State.OPEN).count() == 3
    project.refresh_from_db()
    assert project.hidden_reason == "Hidden after 3 reports: spam, abuse or harassment"
    hidden = ModerationAction.objects.get(action=ModerationAction.Action.HIDDEN)
    assert hidden.note == project.hidden_reason


def test_the_same_member_reporting_twice_at_once_is_counted_once():
    project = ProjectFactory()
    reporter = MemberFactory(password=None)
    outcomes = run_together(
        {"first tab": report(reporter, project), "second tab": report(reporter, project, Flag.Reason.FRAUD)},
        holding=rows_locked(Project.objects.filter(pk=project.pk)),
        refused=(DomainError,),
    )
    assert sorted(kind for kind, _result in outcomes.values()) == ["ok", "refused"]
    assert Flag.objects.filter(project=project).count() == 1
