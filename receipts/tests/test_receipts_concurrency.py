"""Receipt numbers under concurrency (PostgreSQL): issued at the same moment, they still follow
each other with no gap and no duplicate, and a yearly receipt is still issued once.

The workers (core/tests/concurrency.py) start while a transaction of the test holds a receipt
counter, as a receipt being issued would, and it is let go only once PostgreSQL shows every one
of them waiting behind it: they really meet at the counter.
"""

import threading
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.tests.concurrency import JOIN_TIMEOUT, rows_locked, run_together, wait_until_blocked
from donations.models import Pledge
from donations.services import pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory
from receipts.models import Receipt, ReceiptCounter
from receipts.numbering import lock_counter
from receipts.tests.factories import IssuerFactory
from receipts.yearly import yearly_receipt_issue

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

BURST = 50


@pytest.fixture(autouse=True)
def receipts_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def counter_held(issuer, kind, year=None):
    """The issuer's counter row for the year (the current one by default), locked by a receipt
    being issued; created in that transaction if it is the first, and gone again when it rolls back."""
    return lambda: lock_counter(issuer, year or timezone.localdate().year, kind)


def pledges_in_separate_projects(issuer, count):
    """One cash pledge in each of `count` projects of the issuer's community: the receptions lock
    different projects and pledges, so only the receipt counter can keep them in line."""
    pledges = []
    for _ in range(count):
        project = ProjectFactory(community=issuer.community)
        need = NeedFactory(project=project, cash=True)
        pledges.append(
            pledge_create(
                donor=MemberFactory(password=None), need=need, quantity="100", channel=Pledge.Channel.CASH_IN_HAND
            )
        )
    return pledges


def test_a_burst_of_50_receptions_yields_receipt_numbers_1_to_50_exactly():
    issuer = IssuerFactory(number_prefix="TWZ")
    pledges = pledges_in_separate_projects(issuer, BURST)
    jobs = {
        pledge.pk: (
            lambda pledge=pledge: reception_record(
                pledge=pledge, actor=pledge.need.project.created_by, quantity=Decimal("100")
            )
        )
        for pledge in pledges
    }
    # The first receipt of the year: the counter row does not exist yet, and the fifty wait on the
    # uncommitted one of the test's transaction; when it rolls back, they race to create it.
    outcomes = run_together(jobs, holding=counter_held(issuer, Receipt.Kind.SINGLE))
    assert all(outcome == "ok" for outcome, _ in outcomes.values())
    receipts = Receipt.objects.filter(issuer=issuer)
    assert sorted(receipts.values_list("sequence", flat=True)) == list(range(1, BURST + 1))
    year = timezone.localdate().year
    assert sorted(receipts.values_list("number", flat=True)) == [f"TWZ-{year}-{n:06d}" for n in range(1, BURST + 1)]
    assert sorted(receipts.values_list("pledge_id", flat=True)) == sorted(pledge.pk for pledge in pledges)
    assert ReceiptCounter.objects.get(issuer=issuer, year=year, kind="single").last_number == BURST


def test_a_yearly_receipt_asked_for_ten_times_at_once_is_issued_once():
    issuer = IssuerFactory()
    donor = MemberFactory(password=None)
    project = ProjectFactory(community=issuer.community)
    need = NeedFactory(project=project, cash=True)
    for amount in ("100", "250"):
        pledge = pledge_create(donor=donor, need=need, quantity=amount, channel=Pledge.Channel.BANK_TRANSFER)
        reception_record(pledge=pledge, actor=project.created_by, quantity=amount)
    year = timezone.localdate().year
    outcomes = run_together(
        {n: lambda: yearly_receipt_issue(donor=donor, issuer=issuer, year=year) for n in range(10)},
        holding=counter_held(issuer, Receipt.Kind.YEARLY, year),
    )
    created = [result for outcome, result in outcomes.values() if outcome == "ok" and result[1]]
    assert len(created) == 1
    yearly = Receipt.objects.get(kind=Receipt.Kind.YEARLY)
    assert all(result[0] == yearly for _, result in outcomes.values())
    assert yearly.sequence == 1 and yearly.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "350.00"}]


def test_receptions_recorded_while_the_yearly_receipt_is_issued_are_each_on_one_valid_receipt():
    from receipts.tests.test_receipts_yearly import assert_each_gift_on_exactly_one_valid_receipt

    issuer = IssuerFactory()
    donor = MemberFactory(password=None)
    pledges = []
    for _ in range(6):
        project = ProjectFactory(community=issuer.community)
        need = NeedFactory(project=project, cash=True)
        pledges.append(pledge_create(donor=donor, need=need, quantity="100", channel=Pledge.Channel.BANK_TRANSFER))
    for pledge in pledges[:2]:  # already received, each with its per-gift receipt
        reception_record(pledge=pledge, actor=pledge.need.project.created_by, quantity="50")
    year = timezone.localdate().year
    yearly_waits = threading.Event()

    def new_gift(pledge):
        assert yearly_waits.wait(JOIN_TIMEOUT)
        return reception_record(pledge=pledge, actor=pledge.need.project.created_by, quantity="50")

    jobs = {"yearly": lambda: yearly_receipt_issue(donor=donor, issuer=issuer, year=year)}
    # Meanwhile: the rest of a received pledge, and new gifts, each locking its own project.
    jobs[pledges[0].pk] = lambda: reception_record(
        pledge=pledges[0], actor=pledges[0].need.project.created_by, quantity="50"
    )
    for pledge in pledges[2:]:
        jobs[pledge.pk] = lambda pledge=pledge: new_gift(pledge)

    def yearly_then_the_new_gifts_then_the_rest(workers, counter, first_project):
        """The order in which a reception that decided before waiting for the counter put a gift
        on two receipts: the yearly issue, holding the received pledges, waits at the per-gift
        counter first; the new gifts queue behind it; the rest of the first pledge waits for its
        project. The yearly issue and the new gifts go first, then the rest, which updates the
        yearly receipt after the new gifts committed."""
        try:
            wait_until_blocked(counter, [workers.pids["yearly"]], 1)
        finally:
            yearly_waits.set()
        new_gifts = [pledge.pk for pledge in pledges[2:]]
        wait_until_blocked(counter, [workers.pids[name] for name in ["yearly", *new_gifts]], 1 + len(new_gifts))
        wait_until_blocked(first_project, [workers.pids[pledges[0].pk]], 1)
        counter.release()
        workers.wait_until_ended(["yearly", *new_gifts])
        first_project.release()

    outcomes = run_together(
        jobs,
        holding=[
            counter_held(issuer, Receipt.Kind.SINGLE),
            rows_locked(Project.objects.filter(pk=pledges[0].need.project_id)),
        ],
        meanwhile=yearly_then_the_new_gifts_then_the_rest,
    )
    assert all(outcome == "ok" for outcome, _ in outcomes.values())
    assert_each_gift_on_exactly_one_valid_receipt(donor)
    assert Receipt.objects.valid().filter(kind=Receipt.Kind.YEARLY, donor=donor).count() == 1
