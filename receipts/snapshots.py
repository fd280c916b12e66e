"""What a receipt prints, as a snapshot taken when it is issued (never read again from the
database): the issuer's and donor's details, the projects, one line per gift, the totals.

A per-gift receipt covers one pledge (all that arrived on it, but the gifts of years that have a
yearly receipt); a yearly receipt covers a donor's gifts of one year to one issuer's projects.
Card refunds come off the gifts they cover, never below zero. Material gifts carry the lead's
estimated value, except on a French tax receipt, which describes material and never values it.
"""

from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery, Sum

from donations.models import Pledge, Reception
from donations.progress import pledge_received, pledges_with_received
from receipts.models import DonorTaxIdentity, Receipt

SNAPSHOT_VERSION = 1


def _decimal(value):
    return None if value is None else str(Decimal(value))


def issuer_snapshot(issuer):
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


def languages_snapshot(issuer, *, tax_receipt):
    """The receipt's language, and its second one when the issuer prints two. The CERFA form is
    French: a tax receipt is in French alone, whatever the issuer's languages. A receipt in one
    language has no "second_language" key, as before bilingual receipts: comparing its snapshot
    with a new one (snapshot_content) still finds it unchanged."""
    if tax_receipt:
        return {"language": "fr"}
    if issuer.second_language and issuer.second_language != issuer.language:
        return {"language": issuer.language, "second_language": issuer.second_language}
    return {"language": issuer.language}


def donor_snapshot(donor, identity):
    return {
        "handle": donor.handle,
        "legal_name": identity.legal_name if identity else "",
        "address": identity.address if identity else "",
    }


def tax_identity_of(donor):
    return DonorTaxIdentity.objects.filter(member=donor).first()


def project_snapshot(project):
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
            "unit_plural": need.plural_unit,
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


def single_snapshot(pledge, issuer, *, yearly_years=()):
    """What a receipt for this pledge prints now, or None when nothing arrived (or all went back,
    or all is on yearly receipts: those of `yearly_years`)."""
    need = pledge.need
    project = need.project
    identity = tax_identity_of(pledge.donor)
    tax_receipt = bool(issuer.french_tax_receipts and identity)
    lines, net = _pledge_lines(pledge, tax_receipt=tax_receipt, yearly_years=yearly_years)
    if not lines or net <= 0:
        return None
    return {
        "version": SNAPSHOT_VERSION,
        **languages_snapshot(issuer, tax_receipt=tax_receipt),
        "tax_receipt": tax_receipt,
        "issuer": issuer_snapshot(issuer),
        "donor": donor_snapshot(pledge.donor, identity),
        "projects": [project_snapshot(project)],
        "payment_method": pledge.channel,
        "payment_methods": [pledge.channel],
        "currency": project.currency,
        "lines": [{**line, "project": project.title} for line in lines],
        "totals": _totals(lines, project.currency),
    }


# What a receipt adds around its contents when it is issued.
ENVELOPE_KEYS = ("kind", "year", "number", "issued_on", "verification_url", "replaces")


def snapshot_content(snapshot):
    """The part of a snapshot that says what was given and by whom: while it is unchanged, the
    current receipt still tells the truth and nothing is reissued."""
    return {key: value for key, value in snapshot.items() if key not in ENVELOPE_KEYS}


def yearly_receptions(*, issuer, year, donor=None):
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


def yearly_receptions_of(*, issuer, year, donor_ids):
    """donor id → that donor's receptions of the year for the issuer, in date order (one query)."""
    receptions = (
        yearly_receptions(issuer=issuer, year=year)
        .filter(pledge__donor_id__in=donor_ids)
        .select_related("need", "need__project", "pledge__donor")
        .order_by("received_on", "id")
    )
    by_donor = {donor_id: [] for donor_id in donor_ids}
    for reception in receptions:
        by_donor[reception.pledge.donor_id].append(reception)
    return by_donor


def yearly_snapshot(*, issuer, year, receptions, identity):
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
                "unit_plural": "" if need.is_cash else need.plural_unit,
                "currency": project.currency,
                "value": _decimal(value),
            }
        )
        projects.setdefault(project.pk, project_snapshot(project))
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
        **languages_snapshot(issuer, tax_receipt=tax_receipt),
        "tax_receipt": tax_receipt,
        "issuer": issuer_snapshot(issuer),
        "donor": donor_snapshot(receptions[0].pledge.donor, identity),
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
