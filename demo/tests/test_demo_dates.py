"""The demo's history is dated over the weeks its story tells, in order, and never in the future;
a data file whose dates do not follow one another is refused before anything is written."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Member
from demo.loader import DATA_FILE, DemoDataError, read_demo
from donations.models import Pledge, ProgressThreshold, Reception
from projects.models import Project
from publishing.models import Expense, Milestone, TimelineEntry, Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)


def test_pledges_and_receptions_are_spread_over_weeks_each_after_what_it_follows(demo):
    now = timezone.now()
    pledges = list(Pledge.objects.select_related("need__project").prefetch_related("receptions", "events"))

    assert len({pledge.created_at.date() for pledge in pledges}) >= 15
    assert min(pledge.created_at for pledge in pledges) < now - timedelta(days=60)
    for pledge in pledges:
        project = pledge.need.project
        closed = project.transitions.filter(to_status=Project.Status.CLOSED).first()
        # Made while its project took pledges.
        assert project.opened_at <= pledge.created_at <= (closed.at if closed else now)
        # Its audit trail starts when it was made and moves forward (ids are the order of writing).
        events = sorted(pledge.events.all(), key=lambda event: event.pk)
        assert events[0].at == pledge.created_at
        assert [event.at for event in events] == sorted(event.at for event in events)
        assert events[-1].at <= now
        for reception in pledge.receptions.all():
            assert pledge.created_at <= reception.recorded_at <= now
            assert reception.received_on == timezone.localdate(reception.recorded_at)


def test_a_threshold_is_dated_by_the_reception_that_crossed_it(demo):
    thresholds = ProgressThreshold.objects.select_related("need", "entry")

    assert thresholds
    for threshold in thresholds:
        received = Reception.objects.filter(need=threshold.need, recorded_at__lte=threshold.reached_at)
        total = received.aggregate(total=Sum("quantity"))["total"]
        before = received.exclude(recorded_at=threshold.reached_at).aggregate(total=Sum("quantity"))["total"]
        line = threshold.need.target_quantity * threshold.percent / 100
        assert total >= line > (before or Decimal(0)), threshold
        assert threshold.entry.at == threshold.reached_at


def test_the_timeline_and_lifecycle_are_in_order_and_never_in_the_future(demo):
    now, today = timezone.now(), timezone.localdate()
    first_project = Project.objects.order_by("created_at").first()

    assert Member.objects.filter(date_joined__gt=first_project.created_at).count() == 0
    for project in Project.objects.prefetch_related("transitions", "timeline"):
        moves = [transition.at for transition in project.transitions.all()]
        assert moves == sorted(moves)
        assert all(project.created_at <= at <= now for at in moves)
        assert all(project.created_at <= entry.at <= now for entry in project.timeline.all())
    assert not Milestone.objects.filter(done_on__gt=today).exists()
    assert not Expense.objects.filter(spent_on__gt=today).exists()
    assert not Update.objects.filter(published_at__gt=now).exists()
    aghbar = Project.objects.get(slug="vetements-chauds-pour-aghbar")
    completed = aghbar.transitions.get(to_status=Project.Status.COMPLETED).at
    assert aghbar.needs.filter(receptions__recorded_at__gt=completed).count() == 0
    assert TimelineEntry.objects.filter(project=aghbar).dates("at", "month").count() >= 2


def test_an_update_comes_after_what_it_reports(demo):
    books = Reception.objects.get(need__label="livres", quantity=80)
    assert books.recorded_at < Update.objects.get(title="80 romans sont arrivés").published_at

    # "Avec les premiers 60 000 F CFA, nous avons acheté…": received by then, and spent after.
    purchases = Update.objects.get(title="Achats au marché d'Adawlato").published_at
    received = Reception.objects.filter(need__label="Achat de vivres", recorded_at__lte=purchases)
    assert received.aggregate(total=Sum("quantity"))["total"] == Decimal("60000")
    spent = Expense.objects.filter(project__slug="instantresilience-lome").order_by("recorded_at").first()
    assert spent.recorded_at >= purchases


def data_file(tmp_path, old, new):
    text = DATA_FILE.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "demo.toml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "quantity = 80, days_ago = 22",
            "quantity = 80, days_ago = 36",
            "reception 1 (36 days ago) comes before the pledge (34 days ago)",
        ),
        ("founded_days_ago = 120", "founded_days_ago = 50", "its draft (75 days ago) comes before the communities'"),
        ("cancelled_days_ago = 11", "cancelled_days_ago = -2", "nothing in the demo happens in the future"),
        ("opened_days_ago = 73\n", "", "a project completed needs opened_days_ago"),
        ("cancelled_days_ago = 11\n", "", "cancelled_by and cancelled_days_ago go together"),
    ],
)
def test_a_data_file_whose_dates_do_not_follow_each_other_is_refused(tmp_path, old, new, message):
    with pytest.raises(DemoDataError, match=re.escape(message)):
        read_demo(data_file(tmp_path, old, new))


def test_dating_the_history_leaves_every_stored_total_equal_to_its_sum(demo):
    out = StringIO()
    call_command("verify_totals", stdout=out)  # raises CommandError on any drift
    assert "every stored total equals its sum" in out.getvalue()
