"""Yearly receipts: one per donor, issuer and year, summing the year's gifts; issued one at a
time or in a batch (manage.py issue_yearly_receipts), never twice.

Each one alone covers the donor's gifts of the year: issuing it voids the per-gift receipts of
those gifts in the same transaction ("replaced by yearly receipt N"), so a gift is never on two
valid receipts.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from donations.models import Pledge, Reception
from receipts.models import DonorTaxIdentity, Receipt
from receipts.numbering import lock_counter
from receipts.services import create_receipt, replaced_by_yearly_reason, single_receipt_sync
from receipts.snapshots import yearly_receptions, yearly_receptions_of, yearly_snapshot


def yearly_receipt_donors(*, issuer, year):
    """Donors who gave to the issuer's projects in the year and have no valid yearly receipt yet:
    what the batch command still has to do (running it again resumes where it stopped)."""
    from accounts.models import Member

    already = Receipt.objects.filter(issuer=issuer, year=year, kind=Receipt.Kind.YEARLY).valid().values("donor")
    donors = yearly_receptions(issuer=issuer, year=year).values("pledge__donor")
    return Member.objects.filter(pk__in=donors).exclude(pk__in=already).order_by("pk")


def yearly_receipt_issue(*, donor, issuer, year, deliver=True):
    """The donor's yearly receipt for the issuer: every gift received in the year, summed.

    At most one valid yearly receipt per donor, issuer and year: asked again, this returns the
    one already issued. Returns (receipt, created), or (None, False) when the donor gave nothing
    that year. See yearly_receipts_issue.
    """
    issued = yearly_receipts_issue(donors=[donor], issuer=issuer, year=year, deliver=deliver)
    if issued:
        return issued[0], True
    existing = Receipt.objects.filter(issuer=issuer, donor=donor, year=year, kind=Receipt.Kind.YEARLY).valid()
    return existing.first(), False


@transaction.atomic(durable=True)
def yearly_receipts_issue(*, donors, issuer, year, deliver=True):
    """Yearly receipts for these donors (those who have none yet and gave that year), numbered in
    turn, in one transaction. Returns the receipts issued.

    Each one alone covers the donor's gifts of the year: the per-gift receipts of those gifts are
    voided in this transaction, pointing to it (a gift on one valid receipt only, never claimed
    twice); a pledge that also has gifts of other years gets a replacement receipt for those.

    Locks, in the order used everywhere: the pledges concerned (a reception recorded meanwhile
    waits, then sees the yearly receipt), the per-gift counter, then the yearly one, which
    serialises the yearly issues of one issuer and year, so the check for receipts already
    issued cannot race; the database constraint backs it up. With deliver=False the PDFs and
    emails are left to the caller (receipt_deliver): the batch command renders in several
    processes.
    """
    year = int(year)
    if year > timezone.localdate().year:
        raise DomainError(_("That year has not started yet."), field="year")
    donor_ids = [donor.pk for donor in donors]
    gifts = yearly_receptions(issuer=issuer, year=year).filter(pledge__donor_id__in=donor_ids)
    list(Pledge.objects.select_for_update().filter(pk__in=gifts.values("pledge_id")).order_by("pk").values_list("pk"))
    lock_counter(issuer, timezone.localdate().year, Receipt.Kind.SINGLE)
    counter = lock_counter(issuer, year, Receipt.Kind.YEARLY)
    already = set(
        Receipt.objects.valid()
        .filter(issuer=issuer, year=year, kind=Receipt.Kind.YEARLY, donor_id__in=donor_ids)
        .values_list("donor_id", flat=True)
    )
    identities = {identity.member_id: identity for identity in DonorTaxIdentity.objects.filter(member_id__in=donor_ids)}
    receptions = yearly_receptions_of(issuer=issuer, year=year, donor_ids=donor_ids)
    covered = {reception.pledge_id for donor_receptions in receptions.values() for reception in donor_receptions}
    singles = {
        receipt.pledge_id: receipt
        for receipt in Receipt.objects.valid().filter(kind=Receipt.Kind.SINGLE, pledge_id__in=covered)
    }
    # Pledges with gifts in other years too (deliveries across the new year): rare, one query.
    spanning = (
        set(
            Reception.objects.filter(pledge_id__in=singles)
            .exclude(received_on__year=year)
            .values_list("pledge_id", flat=True)
        )
        if singles
        else set()
    )
    issued = []
    for donor in donors:
        if donor.pk in already:
            continue
        snapshot = yearly_snapshot(
            issuer=issuer, year=year, receptions=receptions[donor.pk], identity=identities.get(donor.pk)
        )
        if snapshot is None:
            continue
        yearly = create_receipt(
            issuer=issuer,
            kind=Receipt.Kind.YEARLY,
            donor=donor,
            pledge=None,
            snapshot=snapshot,
            deliver=deliver,
            counter=counter,
        )
        issued.append(yearly)
        pledge_ids = {reception.pledge_id for reception in receptions[donor.pk]}
        replaced = [singles[pledge_id] for pledge_id in sorted(pledge_ids) if pledge_id in singles]
        Receipt.objects.filter(pk__in=[receipt.pk for receipt in replaced if receipt.pledge_id not in spanning]).update(
            status=Receipt.Status.VOID,
            void_reason=replaced_by_yearly_reason(yearly),
            voided_at=timezone.now(),
            replaced_by_yearly=yearly,
        )
        for receipt in replaced:
            if receipt.pledge_id in spanning:
                _replace_spanning_receipt(receipt, issuer=issuer, yearly=yearly)
    return issued


def _replace_spanning_receipt(receipt, *, issuer, yearly):
    """A per-gift receipt whose pledge has gifts in `yearly`'s year and in others: voided, pointing
    to `yearly`, and replaced by one for the gifts of years without a yearly receipt."""
    pledge = Pledge.objects.select_related("need__project", "donor").get(pk=receipt.pledge_id)
    yearly_years = set(
        Receipt.objects.valid()
        .filter(kind=Receipt.Kind.YEARLY, issuer=issuer, donor_id=pledge.donor_id)
        .values_list("year", flat=True)
    )
    single_receipt_sync(pledge, issuer, current=receipt, yearly_years=yearly_years, replaced_by_yearly=yearly)
