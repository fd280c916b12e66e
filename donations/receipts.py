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

Entry points for other parts of Tiwizi (keyword-only, stable):
- receipt_issue_for_pledge(pledge=…, reason="") — bring a pledge's receipt in line with what
  arrived on it: issue one, or void the current one and issue its replacement, or void it when
  nothing is left (a full refund). Idempotent: nothing changes when nothing did. Call it inside
  the transaction that recorded the change (reception_record does; so should card payments
  and refunds).
  It also reissues the yearly receipts covering the pledge's gifts when what they say changed.
- receipt_void_for_pledge(pledge=…, reason) — void the pledge's receipt without replacement.
- yearly_receipt_issue(donor=…, issuer=…, year=…) — the donor's yearly receipt, at most once
  (yearly_receipts_issue(donors=[…], …) for many in one transaction).
- receipt_deliver(receipt_id=…) — render and store the PDF, email the donor (after the commit).
- receipt_pdf_file(receipt=…) — the stored PDF, rendered and stored first if needed.
"""

import logging
from datetime import date
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Subquery, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from donations.models import Pledge, Reception
from donations.receipt_models import DonorTaxIdentity, Issuer, Receipt, ReceiptCounter
from donations.selectors import pledge_received, pledges_with_received
from projects.errors import DomainError

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
# How long the link in a receipt email works (TimestampSigner max_age).
SIGNED_LINK_MAX_AGE = 60 * 60 * 24 * 30
SIGNED_LINK_SALT = "tiwizi.receipt.download"


# Numbering ---------------------------------------------------------------------------------


def _format_number(issuer, year, kind, sequence):
    if kind == Receipt.Kind.YEARLY:
        return f"{issuer.number_prefix}-{year}-Y{sequence:06d}"
    return f"{issuer.number_prefix}-{year}-{sequence:06d}"


def _lock_counter(issuer, year, kind):
    """The counter row of the issuer's sequence for the year, locked until the transaction ends.

    The row is created if missing without a race (INSERT … ON CONFLICT DO NOTHING), then locked;
    whoever comes second waits for the first transaction to end and reads what it left.
    """
    ReceiptCounter.objects.bulk_create(
        [ReceiptCounter(issuer=issuer, year=year, kind=kind, last_number=0)], ignore_conflicts=True
    )
    return ReceiptCounter.objects.select_for_update().get(issuer=issuer, year=year, kind=kind)


def _next_sequence(issuer, year, kind, *, counter=None):
    """The next number of the issuer's sequence for the year, taken under the counter row's lock
    (`counter`, when the caller already holds it)."""
    counter = counter or _lock_counter(issuer, year, kind)
    counter.last_number += 1  # under the row lock, until the commit
    counter.save(update_fields=["last_number"])
    return counter.last_number


# Snapshots ---------------------------------------------------------------------------------


def _decimal(value):
    return None if value is None else str(Decimal(value))


def _issuer_snapshot(issuer):
    return {
        "legal_name": issuer.legal_name,
        "address": issuer.address,
        "registration_number": issuer.registration_number,
        "signatory_name": issuer.signatory_name,
        "signatory_title": issuer.signatory_title,
        "signature_place": issuer.signature_place,
        "logo": issuer.logo.name if issuer.logo else "",
        "tax_article": issuer.tax_article if issuer.french_tax_receipts else "",
        "tax_category": issuer.tax_category if issuer.french_tax_receipts else "",
        "purpose": issuer.purpose if issuer.french_tax_receipts else "",
    }


def _donor_snapshot(donor, identity):
    return {
        "handle": donor.handle,
        "legal_name": identity.legal_name if identity else "",
        "address": identity.address if identity else "",
    }


def _tax_identity(donor):
    return DonorTaxIdentity.objects.filter(member=donor).first()


def _project_snapshot(project):
    return {"title": project.title, "place": project.place}


def _pledge_lines(pledge, *, tax_receipt, yearly_years=()):
    """One line per reception of the pledge, except those of `yearly_years` (on yearly receipts);
    a refund, if any, as a negative line."""
    need = pledge.need
    all_receptions = list(Reception.objects.filter(pledge=pledge).order_by("received_on", "id"))
    receptions = [reception for reception in all_receptions if reception.received_on.year not in yearly_years]
    lines = []
    for reception in receptions:
        line = {
            "date": reception.received_on.isoformat(),
            "label": need.label,
            "kind": need.kind,
            "quantity": _decimal(reception.quantity),
            "unit": need.unit,
            "value": None,
        }
        if need.is_cash:
            line["value"] = line["quantity"]
        elif need.estimated_unit_value is not None and not tax_receipt:
            # The lead's estimate, labelled as such; a tax receipt describes material, never values it.
            line["value"] = _decimal(reception.quantity * need.estimated_unit_value)
        lines.append(line)
    gross = sum((reception.quantity for reception in receptions), Decimal(0))
    # Card refunds (net of the pledge below all it received) come off the gifts this receipt
    # covers, never below zero (as on yearly receipts).
    refunded = sum((reception.quantity for reception in all_receptions), Decimal(0)) - pledge_received(pledge)
    refunded = min(refunded, gross) if need.is_cash else Decimal(0)
    if refunded > 0:
        lines.append(
            {
                "date": "",
                "label": "",
                "kind": "refund",
                "quantity": _decimal(-refunded),
                "unit": "",
                "value": _decimal(-refunded),
            }
        )
    return lines, gross - refunded


def _totals(lines, currency):
    cash = sum((Decimal(line["value"]) for line in lines if line["kind"] in ("cash", "refund")), Decimal(0))
    estimated = [Decimal(line["value"]) for line in lines if line["kind"] == "material" and line["value"] is not None]
    return {
        "cash": [{"currency": currency, "amount": _decimal(cash)}]
        if any(line["kind"] == "cash" for line in lines)
        else [],
        "estimated": _decimal(sum(estimated, Decimal(0))) if estimated else None,
    }


def _single_snapshot(pledge, issuer, *, yearly_years=()):
    """What a receipt for this pledge prints now, or None when nothing arrived (or all went back,
    or all is on yearly receipts: those of `yearly_years`)."""
    need = pledge.need
    project = need.project
    identity = _tax_identity(pledge.donor)
    tax_receipt = bool(issuer.french_tax_receipts and identity)
    lines, net = _pledge_lines(pledge, tax_receipt=tax_receipt, yearly_years=yearly_years)
    if not lines or net <= 0:
        return None
    return {
        "version": SNAPSHOT_VERSION,
        # The CERFA form is French: a tax receipt is in French whatever the issuer's language.
        "language": "fr" if tax_receipt else issuer.language,
        "tax_receipt": tax_receipt,
        "issuer": _issuer_snapshot(issuer),
        "donor": _donor_snapshot(pledge.donor, identity),
        "projects": [_project_snapshot(project)],
        "payment_method": pledge.channel,
        "payment_methods": [pledge.channel],
        "currency": project.currency,
        "lines": [{**line, "project": project.title} for line in lines],
        "totals": _totals(lines, project.currency),
    }


# What a receipt adds around its contents when it is issued.
ENVELOPE_KEYS = ("kind", "year", "number", "issued_on", "verification_url", "replaces")


def _content(snapshot):
    """The part of a snapshot that says what was given and by whom: while it is unchanged, the
    current receipt still tells the truth and nothing is reissued."""
    return {key: value for key, value in snapshot.items() if key not in ENVELOPE_KEYS}


def _create_receipt(*, issuer, kind, donor, pledge, snapshot, replaces=None, deliver=True, counter=None):
    today = timezone.localdate()
    year = snapshot.pop("year", None) or today.year
    sequence = _next_sequence(issuer, year, kind, counter=counter)
    receipt = Receipt(
        issuer=issuer,
        kind=kind,
        year=year,
        sequence=sequence,
        number=_format_number(issuer, year, kind, sequence),
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
        "verification_url": settings.SITE_URL + reverse("donations:receipt_verify", kwargs={"code": receipt.code}),
        "replaces": replaces.number if replaces else "",
    }
    receipt.save()
    if deliver:
        # Rendering and mail wait for the commit: never while the counter row is locked.
        transaction.on_commit(partial(receipt_deliver, receipt_id=receipt.pk))
    return receipt


def _void(receipt, reason, *, replaced_by_yearly=None):
    receipt.status = Receipt.Status.VOID
    receipt.void_reason = reason
    receipt.voided_at = timezone.now()
    receipt.replaced_by_yearly = replaced_by_yearly
    receipt.save(update_fields=["status", "void_reason", "voided_at", "replaced_by_yearly"])


def _replaced_by_yearly_reason(yearly):
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


# Services ----------------------------------------------------------------------------------


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
    _lock_counter(issuer, timezone.localdate().year, Receipt.Kind.SINGLE)
    for year in sorted(years):
        _lock_counter(issuer, year, Receipt.Kind.YEARLY)
    # The yearly receipts that cover some of its gifts (locked: they may be reissued below).
    yearly = list(
        Receipt.objects.select_for_update(of=("self",))
        .select_related("issuer", "donor")
        .valid()
        .filter(kind=Receipt.Kind.YEARLY, issuer=issuer, donor=pledge.donor, year__in=years)
        .order_by("year")
    )
    current = Receipt.objects.select_for_update().filter(pledge=pledge, kind=Receipt.Kind.SINGLE).valid().first()
    receipt = _single_receipt_sync(
        pledge, issuer, current=current, yearly_years={receipt.year for receipt in yearly}, reason=reason
    )
    # Counters are locked in one order everywhere: per-gift, then yearly.
    for current_yearly in yearly:
        _yearly_receipt_sync(current_yearly, reason=reason)
    return receipt


def _single_receipt_sync(pledge, issuer, *, current, yearly_years, reason="", replaced_by_yearly=None):
    """The pledge's per-gift receipt for the gifts not on yearly receipts: kept, voided, or
    voided and replaced. `replaced_by_yearly`: the yearly receipt that now covers `current`'s
    gifts of its year (it is voided pointing to it)."""
    snapshot = _single_snapshot(pledge, issuer, yearly_years=yearly_years)
    if current is not None:
        if snapshot is not None and _content(current.snapshot) == _content(snapshot):
            return current
        if replaced_by_yearly is not None:
            _void(current, _replaced_by_yearly_reason(replaced_by_yearly), replaced_by_yearly=replaced_by_yearly)
        elif snapshot is None:
            _void(current, reason or _("Nothing received remains on this pledge."))
        else:
            _void(current, reason or _("Replaced after a new reception was recorded."))
    if snapshot is None:
        return None
    return _create_receipt(
        issuer=issuer, kind=Receipt.Kind.SINGLE, donor=pledge.donor, pledge=pledge, snapshot=snapshot, replaces=current
    )


def _yearly_receipt_sync(current, *, reason=""):
    """Bring a valid yearly receipt in line with the year's gifts: kept when it still tells the
    truth, else voided and replaced by one naming it (or voided when nothing is left)."""
    donor, issuer = current.donor, current.issuer
    receptions = _yearly_receptions_of(issuer=issuer, year=current.year, donor_ids=[donor.pk])[donor.pk]
    snapshot = _yearly_snapshot(issuer=issuer, year=current.year, receptions=receptions, identity=_tax_identity(donor))
    if snapshot is None:
        _void(current, reason or _("Nothing received remains in this year."))
        return None
    if _content(current.snapshot) == _content(snapshot):
        return current
    _void(current, reason or _("Replaced after a change to the year's gifts."))
    return _create_receipt(
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
    pledge = _lock_pledge(pledge)
    current = Receipt.objects.select_for_update().filter(pledge=pledge, kind=Receipt.Kind.SINGLE).valid().first()
    if current is not None:
        _void(current, reason)
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


def _yearly_receptions(*, issuer, year, donor=None):
    """Receptions of the year on pledges to the issuer's projects, leaving out pledges whose
    receipt was voided and not replaced (refunded in full, or recorded by mistake): their latest
    per-gift receipt is void, and not because a yearly receipt took its place."""
    latest_single = (
        Receipt.objects.filter(pledge=OuterRef(OuterRef("pledge")), kind=Receipt.Kind.SINGLE)
        .order_by("-pk")
        .values("pk")[:1]
    )
    voided_for_good = Exists(
        Receipt.objects.filter(pk=Subquery(latest_single), status=Receipt.Status.VOID, replaced_by_yearly__isnull=True)
    )
    receptions = Reception.objects.filter(
        need__project__community_id=issuer.community_id, received_on__year=year
    ).exclude(voided_for_good)
    if donor is not None:
        receptions = receptions.filter(pledge__donor=donor)
    return receptions


def _refunded_per_pledge(pledge_ids):
    """pledge id → what was given back on it by card (receptions less what remains), in one query."""
    gross = Subquery(
        Reception.objects.filter(pledge=OuterRef("pk"))
        .order_by()
        .values("pledge")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    pledges = pledges_with_received(Pledge.objects.filter(pk__in=pledge_ids)).annotate(gross=gross)
    return {pledge.pk: pledge.gross - pledge.received for pledge in pledges if pledge.gross > pledge.received}


def _yearly_receptions_of(*, issuer, year, donor_ids):
    """donor id → that donor's receptions of the year for the issuer, in date order (one query)."""
    receptions = (
        _yearly_receptions(issuer=issuer, year=year)
        .filter(pledge__donor_id__in=donor_ids)
        .select_related("need", "need__project", "pledge__donor")
        .order_by("received_on", "id")
    )
    by_donor = {donor_id: [] for donor_id in donor_ids}
    for reception in receptions:
        by_donor[reception.pledge.donor_id].append(reception)
    return by_donor


def _yearly_snapshot(*, issuer, year, receptions, identity):
    tax_receipt = bool(issuer.french_tax_receipts and identity)
    if not receptions:
        return None
    lines, projects, channels, cash_in_year = [], {}, set(), {}
    for reception in receptions:
        need, project = reception.need, reception.need.project
        value = None
        if need.is_cash:
            value = reception.quantity
            cash_in_year[reception.pledge_id] = cash_in_year.get(reception.pledge_id, Decimal(0)) + value
        elif need.estimated_unit_value is not None and not tax_receipt:
            value = reception.quantity * need.estimated_unit_value
        lines.append(
            {
                "date": reception.received_on.isoformat(),
                "project": project.title,
                "label": need.label,
                "kind": need.kind,
                "quantity": _decimal(reception.quantity),
                "unit": "" if need.is_cash else need.unit,
                "currency": project.currency,
                "value": _decimal(value),
            }
        )
        projects.setdefault(project.pk, _project_snapshot(project))
        channels.add(reception.pledge.channel)
    # Card refunds come off the year's gifts, pledge by pledge (never below what the year brought).
    pledges = {reception.pledge_id: reception for reception in receptions}
    # Only card payments are refunded through Tiwizi: no query when there is none.
    card_pledges = [pledge_id for pledge_id in cash_in_year if pledges[pledge_id].pledge.channel == "card"]
    for pledge_id, refunded in _refunded_per_pledge(card_pledges).items() if card_pledges else ():
        reception = pledges[pledge_id]
        value = -min(refunded, cash_in_year[pledge_id])
        lines.append(
            {
                "date": "",
                "project": reception.need.project.title,
                "label": reception.need.label,
                "kind": "refund",
                "quantity": _decimal(value),
                "unit": "",
                "currency": reception.need.project.currency,
                "value": _decimal(value),
            }
        )
    currencies = {}
    for line in lines:
        if line["kind"] in ("cash", "refund"):
            currencies[line["currency"]] = currencies.get(line["currency"], Decimal(0)) + Decimal(line["value"])
    estimated = [Decimal(line["value"]) for line in lines if line["kind"] == "material" and line["value"] is not None]
    return {
        "version": SNAPSHOT_VERSION,
        "language": "fr" if tax_receipt else issuer.language,
        "tax_receipt": tax_receipt,
        "issuer": _issuer_snapshot(issuer),
        "donor": _donor_snapshot(receptions[0].pledge.donor, identity),
        "projects": list(projects.values()),
        "payment_method": next(iter(channels)) if len(channels) == 1 else "",
        "payment_methods": sorted(channels),
        "currency": next(iter(currencies)) if len(currencies) == 1 else "",
        "lines": lines,
        "totals": {
            "cash": [{"currency": code, "amount": _decimal(amount)} for code, amount in sorted(currencies.items())],
            # Estimates are in the projects' currencies: summed only when there is one.
            "estimated": _decimal(sum(estimated, Decimal(0)))
            if estimated and len({line["currency"] for line in lines}) == 1
            else None,
        },
        "year": year,
    }


def yearly_receipt_donors(*, issuer, year):
    """Donors who gave to the issuer's projects in the year and have no valid yearly receipt yet:
    what the batch command still has to do (running it again resumes where it stopped)."""
    from accounts.models import Member

    already = Receipt.objects.filter(issuer=issuer, year=year, kind=Receipt.Kind.YEARLY).valid().values("donor")
    donors = _yearly_receptions(issuer=issuer, year=year).values("pledge__donor")
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
    gifts = _yearly_receptions(issuer=issuer, year=year).filter(pledge__donor_id__in=donor_ids)
    list(Pledge.objects.select_for_update().filter(pk__in=gifts.values("pledge_id")).order_by("pk").values_list("pk"))
    _lock_counter(issuer, timezone.localdate().year, Receipt.Kind.SINGLE)
    counter = _lock_counter(issuer, year, Receipt.Kind.YEARLY)
    already = set(
        Receipt.objects.valid()
        .filter(issuer=issuer, year=year, kind=Receipt.Kind.YEARLY, donor_id__in=donor_ids)
        .values_list("donor_id", flat=True)
    )
    identities = {identity.member_id: identity for identity in DonorTaxIdentity.objects.filter(member_id__in=donor_ids)}
    receptions = _yearly_receptions_of(issuer=issuer, year=year, donor_ids=donor_ids)
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
        snapshot = _yearly_snapshot(
            issuer=issuer, year=year, receptions=receptions[donor.pk], identity=identities.get(donor.pk)
        )
        if snapshot is None:
            continue
        yearly = _create_receipt(
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
            void_reason=_replaced_by_yearly_reason(yearly),
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
    _single_receipt_sync(pledge, issuer, current=receipt, yearly_years=yearly_years, replaced_by_yearly=yearly)


# The PDF -----------------------------------------------------------------------------------


def receipt_deliver(*, receipt_id):
    """After the commit: render and store the PDF, then email the donor a link. A failure here
    loses nothing: the receipt is issued, and its PDF is rendered at the first download."""
    try:
        receipt = Receipt.objects.select_related("donor").get(pk=receipt_id)
        if receipt.pdf:
            return  # delivered already (a resumed batch)
        receipt_pdf_file(receipt=receipt)
        receipt_email_donor(receipt=receipt)
    except Exception:
        logger.exception("Receipt %s: rendering or emailing after issue failed", receipt_id)


def receipt_pdf_file(*, receipt):
    """The receipt's stored PDF (a FieldFile), rendered and stored first if it has none.

    Rendered once: when two requests render at the same moment, the first to store wins (a
    conditional UPDATE), the other discards its copy, and both return the same bytes.
    """
    if receipt.pdf:
        return receipt.pdf
    from donations.receipt_pdf import render_receipt_pdf

    content = render_receipt_pdf(receipt.snapshot)
    name = receipt.pdf.storage.save(f"{receipt.year}/{receipt.number}-{receipt.code[:8]}.pdf", ContentFile(content))
    stored = Receipt.objects.filter(pk=receipt.pk, pdf="").update(pdf=name)
    if not stored:
        receipt.pdf.storage.delete(name)
    receipt.refresh_from_db(fields=["pdf"])
    return receipt.pdf


def receipt_signed_path(receipt):
    """A download path that works without logging in, for a month: what emails carry."""
    token = signing.TimestampSigner(salt=SIGNED_LINK_SALT).sign(str(receipt.pk))
    return reverse("donations:receipt_signed", kwargs={"token": token})


def receipt_from_signed_token(token):
    """The receipt a signed link points at, or None when the link is forged or expired."""
    try:
        pk = signing.TimestampSigner(salt=SIGNED_LINK_SALT).unsign(token, max_age=SIGNED_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return Receipt.objects.filter(pk=pk).first()


def receipt_email_donor(*, receipt):
    """Email the donor (when they gave an address) a signed link to their receipt."""
    email = receipt.donor.email
    # .invalid addresses (the demo's) can never receive mail (RFC 2606).
    if not email or email.endswith(".invalid"):
        return False
    with translation.override(receipt.snapshot.get("language")):
        subject = _("Your receipt %(number)s") % {"number": receipt.number}
        body = _(
            "Thank you for your gift.\n\nYour receipt %(number)s can be downloaded for the next 30 days here:\n"
            "%(link)s\n\nAfterwards, find it under “My pledges” on Tiwizi.\n"
            "Anyone can check it is genuine at %(verify)s"
        ) % {
            "number": receipt.number,
            "link": settings.SITE_URL + receipt_signed_path(receipt),
            "verify": receipt.snapshot["verification_url"],
        }
    send_mail(subject, body, None, [email])
    return True


# What the public sees, and the donor's legal identity ---------------------------------------


def receipt_public_view(receipt):
    """What the verification page may show of a receipt: never the donor, never a legal name."""
    snapshot = receipt.snapshot
    return {
        "projects": [project["title"] for project in snapshot["projects"]],
        "issued_on": date.fromisoformat(snapshot["issued_on"]),
        "gift_dates": sorted({date.fromisoformat(line["date"]) for line in snapshot["lines"] if line["date"]}),
        "cash": [
            {"amount": Decimal(total["amount"]), "currency": total["currency"]} for total in snapshot["totals"]["cash"]
        ],
        "items": [
            {"label": line["label"], "quantity": Decimal(line["quantity"]), "unit": line["unit"]}
            for line in snapshot["lines"]
            if line["kind"] == "material"
        ],
    }


@transaction.atomic
def tax_identity_save(*, member, legal_name, address):
    """Keep the donor's legal name and address for their receipts, and reissue this year's
    receipts in that name (each replacement names the receipt it replaces)."""
    legal_name, address = (legal_name or "").strip(), (address or "").strip()
    if not legal_name:
        raise DomainError(_("Give your full legal name."), field="legal_name")
    if not address:
        raise DomainError(_("Give your postal address."), field="address")
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


def valid_receipts_prefetch():
    """For a Pledge queryset: each pledge's valid receipt, as `valid_receipts` (a list)."""
    return Prefetch(
        "receipts",
        queryset=Receipt.objects.valid().filter(kind=Receipt.Kind.SINGLE).order_by("-issued_at"),
        to_attr="valid_receipts",
    )


def donor_yearly_receipts(*, donor):
    """For "My pledges": the donor's valid yearly receipts, latest first (one query)."""
    return list(
        Receipt.objects.valid()
        .filter(donor=donor, kind=Receipt.Kind.YEARLY)
        .select_related("issuer")
        .order_by("-year", "issuer__legal_name")
    )
