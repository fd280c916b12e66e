"""Reads of receipts: a donor's own, and what the public verification page may show."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from receipts.models import Receipt


def donor_receipts(*, donor):
    """A donor's receipts, valid and void, latest first, with their issuers."""
    return Receipt.objects.filter(donor=donor).select_related("issuer").order_by("-issued_at", "-id")


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
