"""A gift is on exactly one valid receipt: per-gift and yearly receipts never both cover it.

A donor could otherwise claim the same gift twice on their tax return, once with its per-gift
receipt and once with their yearly receipt. Whatever the order — per-gift receipt first, yearly
receipt first, deliveries across the new year — each gift is counted on one valid receipt, and the
verification page of a replaced receipt says which receipt replaced it.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import MemberFactory
from core.errors import DomainError
from donations.models import Reception
from receipts.models import Receipt
from receipts.services import receipt_void_for_pledge
from receipts.tests.factories import IssuerFactory
from receipts.tests.test_receipts import cash_pledge, material_pledge, pdf_text, receive
from receipts.yearly import yearly_receipt_issue, yearly_receipts_issue

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


@pytest.fixture(autouse=True)
def receipts_settings(settings, tmp_path, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://tiwizi.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def receipts_covering(reception):
    """The valid receipts whose printed lines include this gift (its date and quantity)."""
    pledge = reception.pledge
    line = (reception.received_on.isoformat(), Decimal(reception.quantity))
    yearly = Receipt.objects.valid().filter(kind=Receipt.Kind.YEARLY, donor=pledge.donor, year=line[0][:4])
    candidates = list(yearly) + list(Receipt.objects.valid().filter(kind=Receipt.Kind.SINGLE, pledge=pledge))
    covering = []
    for receipt in candidates:
        lines = receipt.snapshot["lines"]
        if receipt.is_yearly and reception.need.project.title not in {entry.get("project") for entry in lines}:
            continue
        if any((entry["date"], Decimal(entry["quantity"])) == line for entry in lines if entry["kind"] != "refund"):
            covering.append(receipt)
    return covering


def assert_each_gift_on_exactly_one_valid_receipt(donor):
    receptions = Reception.objects.filter(pledge__donor=donor).select_related("pledge", "need__project")
    assert receptions.exists()
    for reception in receptions:
        covering = receipts_covering(reception)
        assert len(covering) == 1, (reception.received_on, reception.quantity, [r.number for r in covering])


def test_issuing_the_yearly_receipt_voids_the_per_gift_receipts_it_covers(client):
    issuer = IssuerFactory(number_prefix="TWZ")
    donor = MemberFactory()
    first = receive(cash_pledge(issuer=issuer, donor=donor, amount="100"), "100", received_on=date(LAST_YEAR, 3, 1))
    second = receive(cash_pledge(issuer=issuer, donor=donor, amount="250"), "250", received_on=date(LAST_YEAR, 9, 1))
    this_year = receive(cash_pledge(issuer=issuer, donor=donor, amount="40"), "40")  # another year: kept

    yearly, created = yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)

    assert created and yearly.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "350.00"}]
    for receipt in (first, second):
        receipt.refresh_from_db()
        assert receipt.status == Receipt.Status.VOID
        assert receipt.replaced_by_yearly == yearly
        assert yearly.number in receipt.void_reason
    this_year.refresh_from_db()
    assert this_year.status == Receipt.Status.VALID and this_year.replaced_by_yearly is None
    assert_each_gift_on_exactly_one_valid_receipt(donor)

    page = client.get(reverse("receipts:verify", args=[first.code])).content.decode()
    assert "VOID" in page and "Genuine and valid" not in page
    assert f"replaced by yearly receipt {yearly.number}" in page
    assert reverse("receipts:verify", args=[yearly.code]) in page
    assert "Genuine and valid" in client.get(reverse("receipts:verify", args=[yearly.code])).content.decode()
    verified = client.get(f"/api/v1/receipts/verify/{first.code}/").json()
    assert verified["status"] == "void" and verified["replaced_by"] == yearly.number


def test_a_gift_of_a_year_with_a_yearly_receipt_reissues_it_instead_of_a_per_gift_receipt(client):
    issuer = IssuerFactory(number_prefix="TWZ")
    donor = MemberFactory()
    receive(cash_pledge(issuer=issuer, donor=donor, amount="100"), "100", received_on=date(LAST_YEAR, 3, 1))
    yearly, _ = yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)

    # Cash that arrived in December, recorded after the yearly receipt was issued.
    late = cash_pledge(issuer=issuer, donor=donor, amount="60")
    assert receive(late, "60", received_on=date(LAST_YEAR, 12, 28)) is None  # no per-gift receipt

    assert not Receipt.objects.filter(pledge=late).exists()
    yearly.refresh_from_db()
    assert yearly.status == Receipt.Status.VOID
    replacement = Receipt.objects.valid().get(kind=Receipt.Kind.YEARLY, donor=donor, year=LAST_YEAR)
    assert replacement.replaces == yearly
    assert replacement.number == f"TWZ-{LAST_YEAR}-Y000002"
    assert replacement.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "160.00"}]
    assert_each_gift_on_exactly_one_valid_receipt(donor)
    text = pdf_text(replacement)
    assert "160.00 MAD" in text and f"replaces receipt {yearly.number}" in text
    page = client.get(reverse("receipts:verify", args=[yearly.code])).content.decode()
    assert "VOID" in page and replacement.number in page


def test_a_second_delivery_of_a_year_on_a_yearly_receipt_reissues_the_yearly_receipt_only():
    issuer = IssuerFactory()
    donor = MemberFactory()
    pledge = material_pledge(issuer=issuer, donor=donor, quantity="30")
    receive(pledge, "10", received_on=date(LAST_YEAR, 11, 2))
    yearly, _ = yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)
    receive(pledge, "20", received_on=date(LAST_YEAR, 12, 20))

    assert not Receipt.objects.valid().filter(pledge=pledge).exists()
    current = Receipt.objects.valid().get(kind=Receipt.Kind.YEARLY, donor=donor)
    assert current.replaces == yearly
    assert [Decimal(line["quantity"]) for line in current.snapshot["lines"]] == [10, 20]
    assert_each_gift_on_exactly_one_valid_receipt(donor)


def test_a_pledge_delivered_across_the_new_year_keeps_a_receipt_for_this_years_delivery(client):
    issuer = IssuerFactory()
    donor = MemberFactory()
    pledge = material_pledge(issuer=issuer, donor=donor, quantity="30")
    receive(pledge, "10", received_on=date(LAST_YEAR, 12, 30))
    both = receive(pledge, "20", received_on=date(THIS_YEAR, 1, 2))
    assert [Decimal(line["quantity"]) for line in both.snapshot["lines"]] == [10, 20]

    yearly, _ = yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)

    both.refresh_from_db()
    assert both.status == Receipt.Status.VOID and both.replaced_by_yearly == yearly
    rest = Receipt.objects.valid().get(pledge=pledge)
    assert rest.replaces == both
    rest_lines = [(line["date"], Decimal(line["quantity"])) for line in rest.snapshot["lines"]]
    assert rest_lines == [(f"{THIS_YEAR}-01-02", 20)]
    assert [Decimal(line["quantity"]) for line in yearly.snapshot["lines"]] == [10]
    assert_each_gift_on_exactly_one_valid_receipt(donor)
    page = client.get(reverse("receipts:verify", args=[both.code])).content.decode()
    assert f"replaced by yearly receipt {yearly.number}" in page and rest.number in page


def test_a_gift_on_a_yearly_receipt_cannot_be_voided_on_its_own():
    issuer = IssuerFactory()
    pledge = cash_pledge(issuer=issuer, amount="100")
    receive(pledge, "100", received_on=date(LAST_YEAR, 5, 5))
    yearly, _ = yearly_receipt_issue(donor=pledge.donor, issuer=issuer, year=LAST_YEAR)
    with pytest.raises(DomainError, match=yearly.number):
        receipt_void_for_pledge(pledge=pledge, reason="Recorded by mistake")
    yearly.refresh_from_db()
    assert yearly.is_valid


def test_a_reissued_yearly_receipt_still_counts_the_gifts_whose_receipts_it_replaced():
    issuer = IssuerFactory()
    donor = MemberFactory()
    receive(cash_pledge(issuer=issuer, donor=donor, amount="100"), "100", received_on=date(LAST_YEAR, 3, 1))
    yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)
    receive(cash_pledge(issuer=issuer, donor=donor, amount="5"), "5", received_on=date(LAST_YEAR, 4, 1))
    current = Receipt.objects.valid().get(kind=Receipt.Kind.YEARLY, donor=donor)
    # The first gift's receipt is void, but because the yearly receipt took it over: still counted.
    assert current.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "105.00"}]


def test_a_gift_voided_for_good_stays_out_of_the_yearly_receipt():
    issuer = IssuerFactory()
    donor = MemberFactory()
    receive(cash_pledge(issuer=issuer, donor=donor, amount="100"), "100", received_on=date(LAST_YEAR, 3, 1))
    mistake = cash_pledge(issuer=issuer, donor=donor, amount="40")
    receive(mistake, "40", received_on=date(LAST_YEAR, 3, 2))
    receipt_void_for_pledge(pledge=mistake, reason="Recorded by mistake")
    yearly, _ = yearly_receipt_issue(donor=donor, issuer=issuer, year=LAST_YEAR)
    assert yearly.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "100.00"}]
    voided = Receipt.objects.get(pledge=mistake)
    assert voided.void_reason == "Recorded by mistake" and voided.replaced_by_yearly is None


def test_the_batch_command_voids_the_per_gift_receipts_of_the_year(capsys):
    issuer = IssuerFactory(number_prefix="TWZ")
    donors = [MemberFactory() for _ in range(3)]
    singles = [
        receive(cash_pledge(issuer=issuer, donor=donor, amount="10"), "10", received_on=date(LAST_YEAR, 6, 1))
        for donor in donors
    ]
    call_command("issue_yearly_receipts", "--year", str(LAST_YEAR), "--jobs", "1")
    assert "3 issued" in capsys.readouterr().out
    for donor, single in zip(donors, singles, strict=True):
        single.refresh_from_db()
        yearly = Receipt.objects.valid().get(kind=Receipt.Kind.YEARLY, donor=donor)
        assert single.status == Receipt.Status.VOID and single.replaced_by_yearly == yearly
        assert_each_gift_on_exactly_one_valid_receipt(donor)
    call_command("issue_yearly_receipts", "--year", str(LAST_YEAR), "--jobs", "1")
    assert "0 to issue" in capsys.readouterr().out


def test_the_yearly_batch_takes_a_fixed_number_of_queries_per_donor(django_assert_max_num_queries):
    issuer = IssuerFactory()
    donors = [MemberFactory() for _ in range(5)]
    for donor in donors:
        for amount in ("10", "20"):
            receive(cash_pledge(issuer=issuer, donor=donor, amount=amount), amount, received_on=date(LAST_YEAR, 6, 1))
    # Locks and reads for the whole chunk, then per donor: its number, its yearly receipt, and one
    # update voiding its per-gift receipts.
    with django_assert_max_num_queries(12 + 3 * len(donors)):
        issued = yearly_receipts_issue(donors=donors, issuer=issuer, year=LAST_YEAR, deliver=False)
    assert len(issued) == 5
    assert not Receipt.objects.valid().filter(kind=Receipt.Kind.SINGLE).exists()


# Yearly receipts -----------------------------------------------------------------------------


def test_a_yearly_receipt_sums_a_donors_gifts_of_the_year_with_its_own_numbers():
    issuer = IssuerFactory(number_prefix="TWZ")
    donor = MemberFactory()
    year = timezone.localdate().year
    first = cash_pledge(issuer=issuer, donor=donor, amount="100")
    receive(first, "100", received_on=date(year, 1, 1))
    second = cash_pledge(issuer=issuer, donor=donor, amount="250")
    receive(second, "250")
    receive(cash_pledge(issuer=issuer, amount="999"), "999")  # someone else
    receipt, created = yearly_receipt_issue(donor=donor, issuer=issuer, year=year)
    assert created and receipt.number == f"TWZ-{year}-Y000001"
    assert receipt.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "350.00"}]
    text = pdf_text(receipt)
    assert f"Yearly receipt {year}" in text
    assert "350.00 MAD" in text and "three hundred and fifty dirhams" in text
    assert "999" not in text


def test_a_yearly_receipt_is_never_issued_twice():
    issuer = IssuerFactory()
    pledge = cash_pledge(issuer=issuer, amount="100")
    receive(pledge, "100")
    year = timezone.localdate().year
    receipt, created = yearly_receipt_issue(donor=pledge.donor, issuer=issuer, year=year)
    again, created_again = yearly_receipt_issue(donor=pledge.donor, issuer=issuer, year=year)
    assert created and not created_again and again == receipt
    assert Receipt.objects.filter(kind=Receipt.Kind.YEARLY).count() == 1


def test_the_database_refuses_a_second_valid_yearly_receipt():
    from django.db import IntegrityError, transaction

    issuer = IssuerFactory()
    pledge = cash_pledge(issuer=issuer, amount="100")
    receive(pledge, "100")
    receipt, _ = yearly_receipt_issue(donor=pledge.donor, issuer=issuer, year=timezone.localdate().year)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(
            issuer=issuer,
            kind=Receipt.Kind.YEARLY,
            year=receipt.year,
            sequence=99,
            number="X-99",
            donor=pledge.donor,
            snapshot={},
        )


def test_gifts_whose_receipt_was_voided_are_left_out_of_the_yearly_receipt():
    issuer = IssuerFactory()
    donor = MemberFactory()
    kept = cash_pledge(issuer=issuer, donor=donor, amount="100")
    receive(kept, "100")
    refunded = cash_pledge(issuer=issuer, donor=donor, amount="40")
    receive(refunded, "40")
    receipt_void_for_pledge(pledge=refunded, reason="Refunded")
    receipt, _ = yearly_receipt_issue(donor=donor, issuer=issuer, year=timezone.localdate().year)
    assert receipt.snapshot["totals"]["cash"] == [{"currency": "MAD", "amount": "100.00"}]


def test_the_batch_command_issues_yearly_receipts_and_resumes_without_doubles(capsys):
    from django.core.management import call_command

    issuer = IssuerFactory(number_prefix="TWZ")
    donors = [MemberFactory() for _ in range(3)]
    for donor in donors:
        receive(cash_pledge(issuer=issuer, donor=donor, amount="10"), "10")
    year = str(timezone.localdate().year)
    call_command("issue_yearly_receipts", "--year", year, "--dry-run")
    assert "3 to issue" in capsys.readouterr().out
    assert not Receipt.objects.filter(kind=Receipt.Kind.YEARLY).exists()
    call_command("issue_yearly_receipts", "--year", year, "--issuer", "TWZ", "--jobs", "1")
    out = capsys.readouterr().out
    assert "3 issued" in out
    yearly = Receipt.objects.filter(kind=Receipt.Kind.YEARLY)
    assert sorted(yearly.values_list("sequence", flat=True)) == [1, 2, 3]
    assert all(receipt.pdf for receipt in yearly)
    call_command("issue_yearly_receipts", "--year", year, "--jobs", "1")
    assert "0 to issue" in capsys.readouterr().out
    assert yearly.count() == 3
