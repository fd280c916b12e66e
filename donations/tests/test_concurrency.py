"""Exactness under concurrency (PostgreSQL): many members writing on the same needs at once.

Each worker thread has its own database connection and goes through the services, as
concurrent requests would (core/tests/concurrency.py). Every service here locks the project's
row first: the test holds that lock while the workers start, and lets go only once PostgreSQL
shows all of them waiting for it, so they really contend. Afterwards every total the pages show
must equal the sums computed here in Python from the stored rows, each pledge's status must
match what arrived for it, and each status move must have left exactly one event.
"""

import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils.translation import gettext

from accounts.tests.factories import MemberFactory
from core.errors import DomainError, IllegalTransition
from core.tests.concurrency import JOIN_TIMEOUT, held, rows_locked, run_together, wait_until_blocked
from donations.models import Need, Pledge, PledgeEvent, Reception
from donations.progress import needs_with_progress
from donations.selectors import project_list
from donations.services import pledge_cancel, pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.models import Membership, Project, ProjectTransition
from projects.services import community_join, project_transition
from projects.tests.factories import ProjectFactory
from publishing.selectors import project_detail

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

CASH = Pledge.Channel.BANK_TRANSFER
DROP = Pledge.Channel.DROP_OFF
OPEN_STATUSES = (Pledge.Status.PLEDGED, Pledge.Status.PARTIALLY_FULFILLED)


def member():
    # No password: hashing with Argon2 would make setting up dozens of members slow.
    return MemberFactory(password=None)


def lock_of(project):
    """What a lead's long transaction on the project would hold: its row, locked."""
    return rows_locked(Project.objects.filter(pk=project.pk))


def totals_from_rows(project):
    """Progress recomputed in Python from the stored rows, with the selectors' definitions."""
    needs = {need.pk: need for need in Need.objects.filter(project=project)}
    pledges = list(Pledge.objects.filter(need__project=project))
    received_per_pledge = defaultdict(Decimal)
    received_per_need = defaultdict(Decimal)
    pledge_need = {pledge.pk: pledge.need_id for pledge in pledges}
    for reception in Reception.objects.filter(need__project=project):
        assert reception.need_id == pledge_need[reception.pledge_id]
        received_per_pledge[reception.pledge_id] += reception.quantity
        received_per_need[reception.need_id] += reception.quantity

    pledged_per_need = defaultdict(Decimal)
    supporters_per_need = defaultdict(set)
    for pledge in pledges:
        received = received_per_pledge[pledge.pk]
        if pledge.status == Pledge.Status.CANCELLED:
            pledged_per_need[pledge.need_id] += received
        else:
            pledged_per_need[pledge.need_id] += max(pledge.quantity, received)
            supporters_per_need[pledge.need_id].add(pledge.donor_id)

    per_need = {
        pk: {
            "pledged": pledged_per_need[pk],
            "received": received_per_need[pk],
            "missing": max(need.target_quantity - pledged_per_need[pk], Decimal("0")),
            "supporters": len(supporters_per_need[pk]),
        }
        for pk, need in needs.items()
    }
    cash = [pk for pk, need in needs.items() if need.kind == Need.Kind.CASH]
    cash_target = sum((needs[pk].target_quantity for pk in cash), Decimal("0"))
    cash_pledged = sum((pledged_per_need[pk] for pk in cash), Decimal("0"))
    project_totals = {
        "cash_target": cash_target,
        "cash_pledged": cash_pledged,
        "cash_received": sum((received_per_need[pk] for pk in cash), Decimal("0")),
        "cash_missing": max(cash_target - cash_pledged, Decimal("0")),
        "supporters": len(set().union(*supporters_per_need.values())),
    }
    return per_need, project_totals, received_per_pledge


def assert_pages_show_the_rows(project):
    per_need, project_totals, received_per_pledge = totals_from_rows(project)

    shown = {
        need.pk: {name: getattr(need, name) for name in ("pledged", "received", "missing", "supporters")}
        for need in needs_with_progress(Need.objects.filter(project=project))
    }
    assert shown == per_need

    listed = next(row for row in project_list(viewer=AnonymousUser()) if row.pk == project.pk)
    detail = project_detail(slug=project.slug)
    for row in (listed, detail):
        assert {name: getattr(row, name) for name in project_totals} == project_totals
    assert {
        need.pk: {name: getattr(need, name) for name in ("pledged", "received", "missing", "supporters")}
        for need in detail.needs.all()
    } == per_need
    return received_per_pledge


def assert_statuses_match_receptions_and_events(project, received_per_pledge):
    """A pledge's status follows what arrived for it, and its events chain without gaps."""
    events = defaultdict(list)
    for event in PledgeEvent.objects.filter(pledge__need__project=project).order_by("id"):
        events[event.pledge_id].append((event.from_status, event.to_status))

    for pledge in Pledge.objects.filter(need__project=project):
        received = received_per_pledge[pledge.pk]
        if pledge.status == Pledge.Status.CANCELLED:
            # Cancelling is refused once everything has arrived.
            assert received < pledge.quantity
        elif received >= pledge.quantity:
            assert pledge.status == Pledge.Status.FULFILLED
        elif received > 0:
            assert pledge.status == Pledge.Status.PARTIALLY_FULFILLED
        else:
            assert pledge.status == Pledge.Status.PLEDGED

        chain = events[pledge.pk]
        assert chain[0] == ("", Pledge.Status.PLEDGED)
        for (_before, previous_to), (from_status, to_status) in zip(chain, chain[1:], strict=False):
            assert from_status == previous_to
            assert from_status != to_status
        assert chain[-1][1] == pledge.status


@pytest.fixture
def lead():
    return member()


@pytest.fixture
def project(lead):
    return ProjectFactory(currency="MAD", created_by=lead)


@pytest.fixture
def fund(project):
    return NeedFactory(project=project, cash=True, target_quantity=Decimal("10000.00"))


@pytest.fixture
def blankets(project):
    return NeedFactory(project=project, target_quantity=Decimal("300"))


def test_concurrent_pledges_receptions_and_cancellations_keep_every_total_exact(lead, project, fund, blankets):
    def pledge(need, quantity, donor=None):
        return pledge_create(
            donor=donor or member(), need=need, quantity=quantity, channel=CASH if need.is_cash else DROP
        )

    # Pledges made before the rush: some receive several deliveries at once, some are
    # withdrawn while a delivery is being recorded, some only withdrawn.
    shared_cash = pledge(fund, "1000.00")
    shared_material = pledge(blankets, "40")
    contested = [pledge(fund, "200.50"), pledge(fund, "75"), pledge(blankets, "12"), pledge(blankets, "3.5")]
    withdrawn = [pledge(fund, "99.99"), pledge(blankets, "7")]
    partly = pledge(blankets, "50")
    reception_record(pledge=partly, actor=lead, quantity="10")
    received_before = Decimal("10")
    new_donors = [member() for _ in range(10)]
    repeat_donor = shared_cash.donor  # pledges again: supporters are distinct donors

    jobs = {}
    for index in range(4):
        jobs[f"receive-shared-cash-{index}"] = lambda: reception_record(
            pledge=shared_cash, actor=lead, quantity=Decimal("300.25")
        )
    for index in range(3):
        jobs[f"receive-shared-material-{index}"] = lambda: reception_record(
            pledge=shared_material, actor=lead, quantity=Decimal("15.5")
        )
    for index, target in enumerate(contested):
        jobs[f"receive-contested-{index}"] = lambda target=target: reception_record(
            pledge=target, actor=lead, quantity=target.quantity / 2
        )
        jobs[f"withdraw-contested-{index}"] = lambda target=target: pledge_cancel(pledge=target, actor=target.donor)
    for index, target in enumerate(withdrawn):
        jobs[f"withdraw-{index}"] = lambda target=target: pledge_cancel(pledge=target, actor=target.donor)
    # The rest of `partly` arrives while a lead cancels it: exactly one of the two may win.
    jobs["receive-rest-of-partly"] = lambda: reception_record(pledge=partly, actor=lead, quantity=Decimal("40"))
    jobs["lead-cancels-partly"] = lambda: pledge_cancel(pledge=partly, actor=lead, reason="Out of stock")
    for index, donor in enumerate(new_donors):
        if index % 2:
            jobs[f"pledge-{index}"] = lambda donor=donor, index=index: pledge(
                fund, Decimal("123.45") + index, donor=donor
            )
        else:
            jobs[f"pledge-{index}"] = lambda donor=donor, index=index: pledge(
                blankets, Decimal("2.5") * (index + 1), donor=donor
            )
    jobs["pledge-again"] = lambda: pledge(fund, Decimal("10.01"), donor=repeat_donor)
    assert len(jobs) >= 20

    outcomes = run_together(jobs, holding=lock_of(project))

    # Writes that cannot conflict all succeeded.
    refused = {name: error for name, (kind, error) in outcomes.items() if kind == "refused"}
    for name in refused:
        assert name.startswith(("receive-contested", "withdraw-contested", "receive-rest", "lead-cancels"))
        assert isinstance(refused[name], IllegalTransition)
    # A donor withdrawing and a delivery arriving on the same pledge: exactly one wins.
    for index in range(len(contested)):
        assert sorted([f"receive-contested-{index}" in refused, f"withdraw-contested-{index}" in refused]) == [
            False,
            True,
        ]
    assert ("receive-rest-of-partly" in refused) != ("lead-cancels-partly" in refused)

    # No write was lost: the rows hold exactly what the successful calls wrote.
    received_by_calls = received_before + sum(
        (result.quantity for name, (kind, result) in outcomes.items() if kind == "ok" and name.startswith("receive")),
        Decimal("0"),
    )
    assert sum((r.quantity for r in Reception.objects.filter(need__project=project)), Decimal("0")) == received_by_calls
    assert Pledge.objects.filter(need__project=project).count() == 9 + len(new_donors) + 1
    assert Reception.objects.filter(pledge=shared_cash).count() == 4
    assert Reception.objects.filter(pledge=shared_material).count() == 3

    received_per_pledge = assert_pages_show_the_rows(project)
    assert_statuses_match_receptions_and_events(project, received_per_pledge)

    # Same-sized deliveries in any order make the same moves, each recorded once.
    assert list(PledgeEvent.objects.filter(pledge=shared_cash).order_by("id").values_list("to_status", flat=True)) == [
        Pledge.Status.PLEDGED,
        Pledge.Status.PARTIALLY_FULFILLED,
        Pledge.Status.FULFILLED,
    ]
    assert received_per_pledge[shared_cash.pk] == Decimal("1201.00")
    assert received_per_pledge[shared_material.pk] == Decimal("46.5")
    for target in withdrawn:
        assert Pledge.objects.get(pk=target.pk).status == Pledge.Status.CANCELLED
        assert PledgeEvent.objects.filter(pledge=target, to_status=Pledge.Status.CANCELLED).count() == 1


def test_concurrent_pledges_on_the_same_need_are_all_counted(project, fund):
    donors = [member() for _ in range(24)]
    amounts = [Decimal("100.01") * (index + 1) for index in range(len(donors))]
    jobs = {
        f"pledge-{index}": lambda donor=donor, amount=amount: pledge_create(
            donor=donor, need=fund, quantity=amount, channel=CASH
        )
        for index, (donor, amount) in enumerate(zip(donors, amounts, strict=True))
    }

    outcomes = run_together(jobs, holding=lock_of(project))

    assert all(kind == "ok" for kind, _result in outcomes.values())
    shown = needs_with_progress(Need.objects.filter(pk=fund.pk)).get()
    assert shown.pledged == sum(amounts, Decimal("0")) == Decimal("30003.00")
    assert shown.missing == Decimal("0")
    assert shown.supporters == len(donors)
    assert_pages_show_the_rows(project)


def test_project_cancelled_while_donors_pledge_keeps_no_open_pledge(lead, project, fund, blankets):
    partly = pledge_create(donor=member(), need=blankets, quantity="20", channel=DROP)
    reception_record(pledge=partly, actor=lead, quantity="5")
    done = pledge_create(donor=member(), need=fund, quantity="500", channel=CASH)
    reception_record(pledge=done, actor=lead, quantity="500")
    waiting = pledge_create(donor=member(), need=fund, quantity="800", channel=CASH)

    first_pledge_made, may_cancel = threading.Event(), threading.Event()
    not_taking = "This project is not taking pledges."

    def donor_keeps_pledging(donor, need, quantity):
        """Pledges again and again until the project refuses; returns how many it made."""
        for made in range(500):
            try:
                pledge_create(donor=donor, need=need, quantity=quantity, channel=CASH if need.is_cash else DROP)
            except DomainError as error:
                # Compared in this worker's own language, the one the service spoke in.
                assert str(error) == gettext(not_taking)
                return made
            first_pledge_made.set()
        raise AssertionError("the project was never cancelled")

    def lead_keeps_receiving():
        """Records deliveries on a standing pledge until it is cancelled under the lead."""
        for made in range(500):
            try:
                reception_record(pledge=waiting, actor=lead, quantity="1")
            except DomainError:
                return made
        raise AssertionError("the project was never cancelled")

    def lead_cancels():
        assert may_cancel.wait(JOIN_TIMEOUT)
        return project_transition(
            project=project, actor=lead, to_status=Project.Status.CANCELLED, note="The land was not granted."
        )

    donors = [member() for _ in range(20)]
    jobs = {
        f"donor-{index}": lambda donor=donor, index=index: donor_keeps_pledging(
            donor, fund if index % 2 else blankets, Decimal("10.50") + index
        )
        for index, donor in enumerate(donors)
    }
    jobs["receiving"] = lead_keeps_receiving
    jobs["cancel"] = lead_cancels

    def cancel_while_every_writer_waits(workers):
        """Once pledges flow, a lead's transaction holds the project: every donor and the receiving
        lead end up waiting for it with a write in flight; then the cancellation joins them, and
        the lock is let go. The cancellation is decided while those writes contend with it."""
        assert first_pledge_made.wait(JOIN_TIMEOUT)
        writers = [pid for name, pid in workers.pids.items() if name != "cancel"]
        try:
            with held(lock_of(project)) as lead_at_work:
                wait_until_blocked(lead_at_work, writers, len(writers))
                may_cancel.set()
                wait_until_blocked(lead_at_work, workers.pids.values(), len(jobs))
        finally:
            may_cancel.set()

    outcomes = run_together(jobs, meanwhile=cancel_while_every_writer_waits)

    assert all(kind == "ok" for kind, _result in outcomes.values())
    made = sum(result for name, (_kind, result) in outcomes.items() if name.startswith("donor"))
    assert made >= 1
    project.refresh_from_db()
    assert project.status == Project.Status.CANCELLED
    assert ProjectTransition.objects.filter(project=project, to_status=Project.Status.CANCELLED).count() == 1
    pledges = Pledge.objects.filter(need__project=project)
    assert pledges.count() == 3 + made
    assert not pledges.filter(status__in=OPEN_STATUSES).exists()
    assert set(pledges.exclude(pk=done.pk).values_list("status", flat=True)) == {Pledge.Status.CANCELLED}
    assert Pledge.objects.get(pk=done.pk).status == Pledge.Status.FULFILLED
    # What arrived before the cancellation stays recorded and counted.
    assert Reception.objects.filter(pledge=waiting).count() == outcomes["receiving"][1]
    assert PledgeEvent.objects.filter(pledge__need__project=project, to_status=Pledge.Status.CANCELLED).count() == (
        pledges.count() - 1
    )

    received_per_pledge = assert_pages_show_the_rows(project)
    assert_statuses_match_receptions_and_events(project, received_per_pledge)
    per_need, totals, _received = totals_from_rows(project)
    assert totals["supporters"] == 1  # only the donor whose gift arrived in full still stands
    assert per_need[blankets.pk]["pledged"] == Decimal("5")


def test_project_transition_does_not_lock_its_community(lead, project):
    """Moving a project locks that project only: members keep joining its community meanwhile."""
    in_transition, may_commit = threading.Event(), threading.Event()
    newcomer = member()
    status_before = project.status

    def close_and_hold():
        with transaction.atomic():
            project_transition(project=project, actor=lead, to_status=Project.Status.CLOSED)
            in_transition.set()
            assert may_commit.wait(JOIN_TIMEOUT)

    def join_meanwhile():
        assert in_transition.wait(JOIN_TIMEOUT)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                joined = community_join(community=project.community, member=newcomer)
            # Joined while the transition was not committed yet: the two really overlapped.
            return joined, Project.objects.values_list("status", flat=True).get(pk=project.pk)
        finally:
            may_commit.set()

    outcomes = run_together({"transition": close_and_hold, "join": join_meanwhile})

    assert outcomes["join"][0] == "ok"
    assert outcomes["join"][1][1] == status_before != Project.Status.CLOSED
    assert Membership.objects.filter(community=project.community, member=newcomer).exists()
    assert Project.objects.get(pk=project.pk).status == Project.Status.CLOSED
