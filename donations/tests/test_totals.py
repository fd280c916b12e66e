"""Stored totals: kept by every write of progress, read by every page, checked by verify_totals."""

import logging
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import MemberFactory
from donations.models import NeedTotals, Pledge, ProjectTotals, Reception
from donations.progress import needs_with_progress, projects_with_progress
from donations.services import need_create, need_update, pledge_cancel, pledge_create, reception_record
from donations.tests.factories import NeedFactory, PledgeFactory
from donations.totals import find_drift
from projects.models import Project
from projects.services import project_transition
from projects.tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

TRANSFER = Pledge.Channel.BANK_TRANSFER


@pytest.fixture
def fund():
    return NeedFactory(project=ProjectFactory(currency="MAD"), cash=True, target_quantity=Decimal("10000"))


def stored(need):
    return NeedTotals.objects.get(need=need)


def test_each_write_of_progress_updates_the_stored_totals_in_its_transaction(fund):
    lead = fund.project.created_by
    donor, other = MemberFactory(), MemberFactory()

    first = pledge_create(donor=donor, need=fund, quantity="1500", channel=TRANSFER)
    assert (stored(fund).pledged, stored(fund).missing, stored(fund).supporters) == (
        Decimal("1500"),
        Decimal("8500"),
        1,
    )

    second = pledge_create(donor=other, need=fund, quantity="500", channel=TRANSFER)
    reception_record(pledge=first, actor=lead, quantity="1000")
    assert (stored(fund).pledged, stored(fund).received) == (Decimal("2000"), Decimal("1000"))

    pledge_cancel(pledge=second, actor=other)
    totals = ProjectTotals.objects.get(project=fund.project)
    assert (totals.cash_pledged, totals.cash_received, totals.cash_missing, totals.supporters) == (
        Decimal("1500"),
        Decimal("1000"),
        Decimal("8500"),
        1,
    )
    assert find_drift() == []


def test_a_need_added_or_edited_moves_the_goal_and_what_is_missing():
    project = ProjectFactory(currency="MAD")
    lead = project.created_by
    need = need_create(project=project, actor=lead, kind="cash", label="Fonds", target_quantity="3000")
    assert ProjectTotals.objects.get(project=project).cash_target == Decimal("3000")
    need_update(need=need, actor=lead, kind="cash", label="Fonds", target_quantity="4000")
    assert stored(need).missing == Decimal("4000")
    assert ProjectTotals.objects.get(project=project).cash_missing == Decimal("4000")


def test_cancelling_a_project_takes_its_open_pledges_off_the_totals(fund):
    project = fund.project
    project.status = Project.Status.OPEN
    project.save()
    pledge_create(donor=MemberFactory(), need=fund, quantity="700", channel=TRANSFER)
    project_transition(
        project=project, to_status=Project.Status.CANCELLED, actor=project.created_by, note="Plus de terrain."
    )
    assert (stored(fund).pledged, stored(fund).supporters) == (Decimal("0"), 0)
    assert find_drift() == []


def test_pages_read_the_stored_totals_not_the_rows(fund):
    PledgeFactory(need=fund, quantity=Decimal("400"))
    # A row written around the services is not seen until the totals are repaired: proof that
    # readers read the stored totals (and why verify_totals exists).
    Pledge.objects.create(need=fund, donor=MemberFactory(), quantity=Decimal("100"), channel=TRANSFER)
    assert needs_with_progress().get(pk=fund.pk).pledged == Decimal("400")
    assert projects_with_progress().get(pk=fund.project_id).cash_pledged == Decimal("400")


def test_verify_totals_reports_drift_and_fails(fund, capsys):
    PledgeFactory(need=fund, quantity=Decimal("400"))
    NeedTotals.objects.filter(need=fund).update(pledged=Decimal("9"))

    with pytest.raises(CommandError, match="1 stored totals differ"):
        call_command("verify_totals")

    assert f"need {fund.pk}: pledged stored 9.00, summed 400.00" in capsys.readouterr().out


def test_verify_totals_repair_writes_the_sums_back_and_logs_each_change(fund, caplog):
    pledge = PledgeFactory(need=fund, quantity=Decimal("400"))
    # Rows written around the services, as a bulk load or a hand-made SQL fix would.
    Reception.objects.create(
        pledge=pledge,
        need=fund,
        quantity=Decimal("150"),
        received_on=pledge.created_at.date(),
        recorded_by=pledge.donor,
    )
    ProjectTotals.objects.filter(project=fund.project).update(supporters=5)

    with caplog.at_level(logging.WARNING, logger="tiwizi.totals"):
        call_command("verify_totals", "--repair")

    assert stored(fund).received == Decimal("150")
    assert ProjectTotals.objects.get(project=fund.project).supporters == 1
    assert any("received stored 0.00, summed 150.00" in message for message in caplog.messages)
    assert any("supporters stored 5, summed 1" in message for message in caplog.messages)
    assert find_drift() == []
    call_command("verify_totals")


def test_a_need_nobody_touched_misses_its_whole_goal():
    project = ProjectFactory()
    need = NeedFactory(project=project, target_quantity=Decimal("30"))
    NeedTotals.objects.filter(need=need).delete()
    ProjectTotals.objects.filter(project=project).delete()

    read = needs_with_progress().get(pk=need.pk)
    assert (read.pledged, read.received, read.missing, read.supporters) == (0, 0, Decimal("30"), 0)
    assert find_drift() == []


def test_verify_totals_checks_the_bars_percentages_too(fund):
    PledgeFactory(need=fund, quantity=Decimal("2500"))
    assert ProjectTotals.objects.get(project=fund.project).pledged_percent == Decimal("25")
    ProjectTotals.objects.filter(project=fund.project).update(pledged_percent=Decimal("40"))

    assert [str(item) for item in find_drift()] == [
        f"project {fund.project_id}: pledged_percent stored 40.000000, summed 25.000000"
    ]
    call_command("verify_totals", "--repair")
    assert ProjectTotals.objects.get(project=fund.project).pledged_percent == Decimal("25")


def test_a_material_only_project_shows_the_mean_of_its_needs_percentages():
    project = ProjectFactory()
    blankets = NeedFactory(project=project, target_quantity=Decimal("10"))
    bags = NeedFactory(project=project, target_quantity=Decimal("40"))
    PledgeFactory(need=blankets, quantity=Decimal("5"))
    PledgeFactory(need=bags, quantity=Decimal("60"))  # more than asked: capped at 100 %

    assert projects_with_progress().get(pk=project.pk).pledged_percent == Decimal("75")
    assert find_drift() == []
