"""Receipts: issuing, correcting and numbering them, and storing their PDF once.

What a receipt guarantees:
- its number, PREFIX-YEAR-000123 (yearly receipts: PREFIX-YEAR-Y000012), is taken from a
  counter row locked inside the transaction that issues it: no gap, no duplicate, even when
  receipts are issued at the same moment (a rolled-back issue gives its number back);
- it is never edited: it prints a snapshot taken when it was issued; a correction voids it and
  issues a replacement that names it;
- a pledge has at most one valid receipt, and a donor at most one valid yearly receipt per
  issuer and year (database constraints, whatever happens in the code);
- a gift is on exactly one valid receipt, so it cannot be claimed twice: once a donor's yearly
  receipt for an issuer and year exists, it alone covers that year's gifts. Issuing it voids the
  per-gift receipts it covers ("replaced by yearly receipt N", which the verification page
  shows), in the same transaction; a later change to a gift of that year (another delivery, a
  refund) reissues the yearly receipt — voided, and replaced by one naming it — instead of a
  per-gift receipt. A per-gift receipt covers only the gifts of years without a yearly receipt;
- its PDF is rendered once, after the commit (never while the counter is locked), and stored;
  every later download returns the same bytes.

Where each part lives: numbering.py (the counters), snapshots.py (what a receipt prints),
this module (issuing, voiding and replacing per gift; the donor's legal identity), yearly.py
(yearly receipts), delivery.py (the PDF stored once, the email, signed links), pdf.py (drawing
it). A reception reaches this module through the hook donations.hooks.pledge_received_changed
(connected in apps.py), so donations never imports receipts.

Entry points for other parts of Tiwizi (keyword-only, stable):
- receipt_issue_for_pledge(pledge=…, reason="") — bring a pledge's receipt in line with what
  arrived on it: issue one, or void the current one and issue its replacement, or void it when
  nothing is left (a full refund). Idempotent: nothing changes when nothing did. It runs inside
  the transaction that recorded the change: receptions, card payments and card refunds reach
  it through the hook pledge_received_changed.
  It also reissues the yearly receipts covering the pledge's gifts when what they say changed.
- receipt_void_for_pledge(pledge=…, reason) — void the pledge's receipt without replacement.
- yearly.yearly_receipt_issue(donor=…, issuer=…, year=…) — the donor's yearly receipt, at most
  once (yearly_receipts_issue(donors=[…], …) for many in one transaction).
- delivery.receipt_deliver(receipt_id=…) — render and store the PDF, email the donor, each once
  (after the commit: the task tasks.deliver_receipt, enqueued when a receipt is issued);
  delivery.receipt_pdf_file(receipt=…) — the stored PDF, rendered first if needed.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.background import enqueue_on_commit
from core.errors import DomainError
from donations.models import Pledge, Reception
from receipts.limits import ADDRESS_MAX, VOID_REASON_MAX
from receipts.models import DonorTaxIdentity, Issuer, Receipt
from receipts.numbering import format_number, lock_counter, next_sequence
from receipts.snapshots import (
    single_snapshot,
    snapshot_content,
    tax_identity_of,
    yearly_receptions_of,
    yearly_snapshot,
)
from receipts.tasks import deliver_receipt


def create_receipt(*, issuer, kind, donor, pledge, snapshot, replaces=None, deliver=True, counter=None):
    today = timezone.localdate()
    year = snapshot.pop("year", None) or today.year
    sequence = next_sequence(issuer, year, kind, counter=counter)
    receipt = Receipt(
        issuer=issuer,
        kind=kind,
        year=year,
        sequence=sequence,
        number=format_number(issuer, year, kind, sequence),
        donor=donor,
        pledge=pledge,
        is_tax_receipt=snapshot["tax_receipt"],
        replaces=replaces,
    )
    receipt.snapshot = {
        **snapshot,
        "kind": kind,
        "year": year,
        "number": receipt.number,
        "issued_on": today.isoformat(),
        "verification_url": settings.SITE_URL + reverse("receipts:verify", kwargs={"code": receipt.code}),
        "replaces": replaces.number if replaces else "",
    }
    receipt.save()
    if deliver:
        # Rendering and mail wait for the commit (never while the counter row is locked), and
        # then run in a worker when there is a broker, never in the request.
        enqueue_on_commit(deliver_receipt, receipt.pk)
    return receipt


def void_receipt(receipt, reason, *, replaced_by_yearly=None):
    receipt.status = Receipt.Status.VOID
    receipt.void_reason = reason
    receipt.voided_at = timezone.now()
    receipt.replaced_by_yearly = replaced_by_yearly
    receipt.save(update_fields=["status", "void_reason", "voided_at", "replaced_by_yearly"])


def replaced_by_yearly_reason(yearly):
    return _("Replaced by yearly receipt %(number)s, which covers this gift.") % {"number": yearly.number}


def _issuer_of(project):
    return Issuer.objects.filter(community_id=project.community_id).first()


def _lock_pledge(pledge):
    # Lock order everywhere: project, need, pledge, then the receipt counter.
    return (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("need", "need__project", "donor")
        .get(pk=pledge.pk)
    )


@transaction.atomic
def receipt_issue_for_pledge(*, pledge, reason=""):
    """Bring the pledge's receipt in line with what arrived on it, in the caller's transaction.

    No receipt yet and something arrived: one is issued. A receipt whose contents changed (a new
    reception, a refund, a donor who now wants their legal name on it): it is voided and a
    replacement naming it is issued. Nothing left (refunded in full): it is voided. Otherwise
    nothing happens. Projects whose community has no issuer get no receipt. Returns the valid
    receipt, or None.
    """
    pledge = _lock_pledge(pledge)
    issuer = _issuer_of(pledge.need.project)
    if issuer is None:
        return None
    years = [day.year for day in Reception.objects.filter(pledge=pledge).dates("received_on", "year")]
    # The counters first, in the order used everywhere (per-gift, then yearly by year), and only
    # then the decision: a yearly issue for this donor holds these counters until it commits, so
    # what we read below is either before it (and it then sees our receipt and voids it) or after
    # it (and we see its yearly receipt). Deciding first and waiting for the counter afterwards
    # let a gift end up on both.
    lock_counter(issuer, timezone.localdate().year, Receipt.Kind.SINGLE)
    for year in sorted(years):
        lock_counter(issuer, year, Receipt.Kind.YEARLY)
    # The yearly receipts that cover some of its gifts (locked: they may be reissued below).
    yearly = list(
        Receipt.objects.select_for_update(of=("self",))
        .select_related("issuer", "donor")
        .valid()
        .filter(kind=Receipt.Kind.YEARLY, issuer=issuer, donor=pledge.donor, year__in=years)
        .order_by("year")
    )
    current = Receipt.objects.select_for_update().filter(pledge=pledge, kind=Receipt.Kind.SINGLE).valid().first()
    receipt = single_receipt_sync(
        pledge, issuer, current=current, yearly_years={receipt.year for receipt in yearly}, reason=reason
    )
    # Counters are locked in one order everywhere: per-gift, then yearly.
    for current_yearly in yearly:
        yearly_receipt_sync(current_yearly, reason=reason)
    return receipt


def single_receipt_sync(pledge, issuer, *, current, yearly_years, reason="", replaced_by_yearly=None):
    """The pledge's per-gift receipt for the gifts not on yearly receipts: kept, voided, or
    voided and replaced. `replaced_by_yearly`: the yearly receipt that now covers `current`'s
    gifts of its year (it is voided pointing to it)."""
    snapshot = single_snapshot(pledge, issuer, yearly_years=yearly_years)
    if current is not None:
        if snapshot is not None and snapshot_content(current.snapshot) == snapshot_content(snapshot):
            return current
        if replaced_by_yearly is not None:
            void_receipt(current, replaced_by_yearly_reason(replaced_by_yearly), replaced_by_yearly=replaced_by_yearly)
        elif snapshot is None:
            void_receipt(current, reason or _("Nothing received remains on this pledge."))
        else:
            void_receipt(current, reason or _("Replaced after a new reception was recorded."))
    if snapshot is None:
        return None
    return create_receipt(
        issuer=issuer, kind=Receipt.Kind.SINGLE, donor=pledge.donor, pledge=pledge, snapshot=snapshot, replaces=current
    )


def yearly_receipt_sync(current, *, reason=""):
    """Bring a valid yearly receipt in line with the year's gifts: kept when it still tells the
    truth, else voided and replaced by one naming it (or voided when nothing is left)."""
    donor, issuer = current.donor, current.issuer
    receptions = yearly_receptions_of(issuer=issuer, year=current.year, donor_ids=[donor.pk])[donor.pk]
    snapshot = yearly_snapshot(issuer=issuer, year=current.year, receptions=receptions, identity=tax_identity_of(donor))
    if snapshot is None:
        void_receipt(current, reason or _("Nothing received remains in this year."))
        return None
    if snapshot_content(current.snapshot) == snapshot_content(snapshot):
        return current
    void_receipt(current, reason or _("Replaced after a change to the year's gifts."))
    return create_receipt(
        issuer=issuer, kind=Receipt.Kind.YEARLY, donor=donor, pledge=None, snapshot=snapshot, replaces=current
    )


@transaction.atomic
def receipt_void_for_pledge(*, pledge, reason):
    """Void the pledge's valid receipt, without replacement (a gift given back in full, or one
    recorded by mistake). The verification page then says it is void, and why. Returns the
    voided receipt, or None when there was none."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the receipt is void."), field="reason")
    if len(reason) > VOID_REASON_MAX:
        raise DomainError(_("At most %(count)d characters, please.") % {"count": VOID_REASON_MAX}, field="reason")
    pledge = _lock_pledge(pledge)
    current = Receipt.objects.select_for_update().filter(pledge=pledge, kind=Receipt.Kind.SINGLE).valid().first()
    if current is not None:
        void_receipt(current, reason)
        return current
    yearly = (
        Receipt.objects.valid()
        .filter(kind=Receipt.Kind.YEARLY, donor=pledge.donor, replaced_gift_receipts__pledge=pledge)
        .first()
    )
    if yearly is not None:
        # Its gifts are on a yearly receipt, which alone can say it: correct the reception instead
        # (the yearly receipt is then reissued).
        raise DomainError(
            _("This gift is on yearly receipt %(number)s: correct the reception instead.") % {"number": yearly.number}
        )
    return None


@transaction.atomic
def tax_identity_save(*, member, legal_name, address):
    """Keep the donor's legal name and address for their receipts, and reissue this year's
    receipts in that name (each replacement names the receipt it replaces)."""
    legal_name, address = (legal_name or "").strip(), (address or "").strip()
    if not legal_name:
        raise DomainError(_("Give your full legal name."), field="legal_name")
    if not address:
        raise DomainError(_("Give your postal address."), field="address")
    legal_name_max = DonorTaxIdentity._meta.get_field("legal_name").max_length
    for field, value, limit in (("legal_name", legal_name, legal_name_max), ("address", address, ADDRESS_MAX)):
        if len(value) > limit:
            raise DomainError(_("At most %(count)d characters, please.") % {"count": limit}, field=field)
    identity, created = DonorTaxIdentity.objects.select_for_update().get_or_create(
        member=member, defaults={"legal_name": legal_name, "address": address}
    )
    if not created:
        if (identity.legal_name, identity.address) == (legal_name, address):
            return identity
        identity.legal_name, identity.address, identity.updated_at = legal_name, address, timezone.now()
        identity.save(update_fields=["legal_name", "address", "updated_at"])
    this_year = Receipt.objects.filter(donor=member, kind=Receipt.Kind.SINGLE, year=timezone.localdate().year).valid()
    reason = _("Reissued at the donor's request, in their legal name.")
    for receipt in this_year.select_related("pledge"):
        receipt_issue_for_pledge(pledge=receipt.pledge, reason=reason)
    return identity


@transaction.atomic
def tax_identity_remove(*, member):
    """Forget the donor's legal name and address. Receipts already issued keep what they print."""
    DonorTaxIdentity.objects.filter(member=member).delete()
