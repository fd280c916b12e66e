"""Progress of needs and projects, on small worked examples, and how quantities are read.

The definitions are those of donations/selectors.py: received = Σ receptions; pledged = Σ over
pledges of (received if cancelled else max(promised, received)); missing = max(goal − pledged, 0).
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from donations.models import QUANTITY_MAX, Need, Pledge
from donations.progress import needs_with_progress
from donations.selectors import project_list
from donations.services import clean_quantity, pledge_cancel, pledge_create, reception_record
from donations.tests.factories import NeedFactory
from projects.tests.factories import ProjectFactory
from publishing.selectors import project_detail

pytestmark = pytest.mark.django_db

CASH = Pledge.Channel.BANK_TRANSFER
DROP = Pledge.Channel.DROP_OFF


def progress_of(need):
    return needs_with_progress(Need.objects.filter(pk=need.pk)).get()


def listed(project):
    """The project as the public list shows it."""
    return next(row for row in project_list(viewer=AnonymousUser()) if row.pk == project.pk)


def new_donor():
    # Donors here never log in: no password spares an Argon2 hash per member.
    return MemberFactory(password=None)


def pledge(need, quantity, donor=None, channel=None):
    return pledge_create(
        donor=donor or new_donor(),
        need=need,
        quantity=quantity,
        channel=channel or (CASH if need.is_cash else DROP),
    )


def receive(pledge_, quantity):
    return reception_record(pledge=pledge_, actor=pledge_.need.project.created_by, quantity=quantity)


@pytest.fixture
def project():
    return ProjectFactory(currency="MAD")


@pytest.fixture
def blankets(project):
    return NeedFactory(project=project, target_quantity=Decimal("100"))


# --- needs ----------------------------------------------------------------------------


def test_need_without_pledges_misses_its_whole_goal(blankets):
    need = progress_of(blankets)

    assert (need.pledged, need.received, need.missing, need.supporters) == (0, 0, Decimal("100"), 0)


def test_standing_pledges_count_for_what_was_promised_until_it_arrives(blankets):
    pledge(blankets, "30")
    partly = pledge(blankets, "20")
    receive(partly, "5")

    need = progress_of(blankets)

    assert need.pledged == Decimal("50")
    assert need.received == Decimal("5")
    assert need.missing == Decimal("50")


def test_over_delivery_counts_in_pledged_for_what_arrived(blankets):
    generous = pledge(blankets, "10")
    receive(generous, "8")
    receive(generous, "7")

    need = progress_of(blankets)
    generous.refresh_from_db()

    assert generous.status == Pledge.Status.FULFILLED
    assert need.received == Decimal("15")
    assert need.pledged == Decimal("15")
    assert need.missing == Decimal("85")


def test_lead_cancelled_partly_received_pledge_counts_its_received_part(blankets):
    partly = pledge(blankets, "40")
    receive(partly, "12.5")
    pledge_cancel(pledge=partly, actor=blankets.project.created_by, reason="The rest will not come.")

    need = progress_of(blankets)

    assert Pledge.objects.get(pk=partly.pk).status == Pledge.Status.CANCELLED
    assert need.pledged == Decimal("12.5")
    assert need.received == Decimal("12.5")
    assert need.missing == Decimal("87.5")


def test_donor_cancelled_pledge_counts_nothing(blankets):
    donor = new_donor()
    withdrawn = pledge(blankets, "25", donor=donor)
    pledge_cancel(pledge=withdrawn, actor=donor)

    need = progress_of(blankets)

    assert (need.pledged, need.received, need.missing) == (0, 0, Decimal("100"))


def test_missing_never_goes_below_zero(blankets):
    pledge(blankets, "80")
    pledge(blankets, "70")

    need = progress_of(blankets)

    assert need.pledged == Decimal("150")
    assert need.missing == 0


def test_supporters_count_distinct_donors_and_ignore_cancelled_pledges(blankets):
    faithful, withdrawn = new_donor(), new_donor()
    pledge(blankets, "5", donor=faithful)
    pledge(blankets, "6", donor=faithful)
    cancelled = pledge(blankets, "7", donor=withdrawn)
    pledge_cancel(pledge=cancelled, actor=withdrawn)
    pledge(blankets, "8")

    assert progress_of(blankets).supporters == 2


def test_progress_of_one_need_ignores_the_other_needs(project, blankets):
    books = NeedFactory(project=project, label="livre", target_quantity=Decimal("40"))
    pledge(books, "40")

    need = progress_of(blankets)

    assert (need.pledged, need.supporters) == (0, 0)


# --- projects -------------------------------------------------------------------------


def test_project_cash_totals_ignore_material_needs(project):
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("1000"))
    blankets = NeedFactory(project=project, target_quantity=Decimal("200"))
    roof = NeedFactory(project=project, cash=True, target_quantity=Decimal("500.50"))
    receive(pledge(fund, "250.25"), "100")
    receive(pledge(blankets, "150"), "150")
    pledge(roof, "600")  # more than this need's goal: the surplus still counts towards the project

    for row in (listed(project), project_detail(slug=project.slug)):
        assert row.cash_target == Decimal("1500.50")
        assert row.cash_pledged == Decimal("850.25")
        assert row.cash_received == Decimal("100")
        assert row.cash_missing == Decimal("650.25")


def test_project_supporters_are_distinct_donors_over_all_needs(project):
    fund = NeedFactory(project=project, cash=True)
    blankets = NeedFactory(project=project)
    both, material_only, gone = new_donor(), new_donor(), new_donor()
    pledge(fund, "100", donor=both)
    pledge(blankets, "3", donor=both)
    pledge(blankets, "4", donor=material_only)
    pledge_cancel(pledge=pledge(fund, "50", donor=gone), actor=gone)

    assert listed(project).supporters == 2
    assert project_detail(slug=project.slug).supporters == 2


def test_project_cash_missing_never_goes_below_zero(project):
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("100"))
    pledge(fund, "150")

    assert listed(project).cash_missing == 0


def test_project_detail_needs_carry_their_own_progress(project):
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("1000"), position=0)
    blankets = NeedFactory(project=project, target_quantity=Decimal("200"), position=1)
    receive(pledge(fund, "300"), "120")
    pledge(blankets, "50")

    needs = list(project_detail(slug=project.slug).needs.all())

    assert [(n.pk, n.pledged, n.received, n.missing) for n in needs] == [
        (fund.pk, Decimal("300"), Decimal("120"), Decimal("700")),
        (blankets.pk, Decimal("50"), 0, Decimal("150")),
    ]


def test_cash_project_percentages_follow_the_cash_goal(project):
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("1000"))
    blankets = NeedFactory(project=project, target_quantity=Decimal("10"))
    receive(pledge(fund, "250"), "100")
    pledge(blankets, "10")  # a full material need does not move the cash bar

    row = listed(project)

    assert row.pledged_percent == Decimal("25")
    assert row.received_percent == Decimal("10")


def test_cash_project_percentages_stop_at_one_hundred(project):
    fund = NeedFactory(project=project, cash=True, target_quantity=Decimal("100"))
    receive(pledge(fund, "300"), "200")

    row = listed(project)

    assert (row.pledged_percent, row.received_percent) == (Decimal("100"), Decimal("100"))


def test_material_only_project_percentages_are_the_mean_of_its_needs(project):
    blankets = NeedFactory(project=project, target_quantity=Decimal("200"))
    books = NeedFactory(project=project, label="livre", target_quantity=Decimal("50"))
    receive(pledge(blankets, "100"), "50")  # blankets: 50 % pledged, 25 % received
    receive(pledge(books, "80"), "10")  # books: 160 % pledged counts as 100 %, 20 % received

    row = listed(project)

    assert row.pledged_percent == Decimal("75")
    assert row.received_percent == Decimal("22.5")
    assert project_detail(slug=project.slug).pledged_percent == Decimal("75")


def test_project_without_needs_shows_zero_percent(project):
    row = listed(project)

    assert (row.cash_target, row.cash_pledged, row.pledged_percent, row.received_percent, row.supporters) == (
        0,
        0,
        0,
        0,
        0,
    )


# --- reading quantities ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "places", "expected"),
    [
        ("5000", 0, Decimal("5000")),
        ("10,5", 2, Decimal("10.5")),
        (" 12.25 ", 2, Decimal("12.25")),
        ("5 000", 0, Decimal("5000")),
        ("5\u202f000,50", 2, Decimal("5000.50")),
        (Decimal("0.01"), 2, Decimal("0.01")),
        (7, 0, Decimal("7")),
        (str(QUANTITY_MAX), 2, QUANTITY_MAX),
    ],
)
def test_clean_quantity_accepts(raw, places, expected):
    cleaned = clean_quantity(raw, places=places)

    assert cleaned == expected
    assert isinstance(cleaned, Decimal)


@pytest.mark.parametrize(
    ("raw", "places"),
    [
        ("5000.5", 0),  # XOF has no cents
        ("10.555", 2),  # MAD and material have two decimals at most
        ("0", 2),
        ("0.00", 2),
        ("-3", 2),
        (str(QUANTITY_MAX + Decimal("0.01")), 2),
        ("1e400", 2),
        ("abc", 2),
        ("", 2),
        (None, 2),
        ("NaN", 2),
        ("Infinity", 2),
        ("12..5", 2),
        ("1,000.50", 2),
    ],
)
def test_clean_quantity_refuses_with_the_field(raw, places):
    with pytest.raises(DomainError) as refused:
        clean_quantity(raw, places=places, field="target_quantity")

    assert refused.value.field == "target_quantity"
    assert str(refused.value.message)


def test_xof_cash_pledge_refuses_cents():
    need = NeedFactory(project=ProjectFactory(currency="XOF"), cash=True)

    with pytest.raises(DomainError) as refused:
        pledge(need, "5000.50")

    assert refused.value.field == "quantity"
    assert pledge(need, "5000").quantity == Decimal("5000")
    assert Pledge.objects.filter(need=need).count() == 1


def test_mad_cash_pledge_takes_two_decimals_with_a_comma(project):
    need = NeedFactory(project=project, cash=True)

    assert pledge(need, "150,75").quantity == Decimal("150.75")
    with pytest.raises(DomainError) as refused:
        pledge(need, "150.755")
    assert refused.value.field == "quantity"


def test_material_pledge_takes_two_decimals(blankets):
    assert pledge(blankets, "2.5").quantity == Decimal("2.5")
    with pytest.raises(DomainError) as refused:
        pledge(blankets, "2.505")
    assert refused.value.field == "quantity"


def test_reception_quantity_follows_the_need_decimals():
    need = NeedFactory(project=ProjectFactory(currency="XOF"), cash=True)
    promised = pledge(need, "10000")

    with pytest.raises(DomainError) as refused:
        receive(promised, "2500.5")

    assert refused.value.field == "quantity"
    assert progress_of(need).received == 0
