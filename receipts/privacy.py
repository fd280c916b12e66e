"""A member's receipts and legal identity, in their copy of their data and when their account is
deleted (accounts/hooks.py; connected in ReceiptsConfig.ready()).

Issued receipts are legal records: a deletion leaves them as they were issued, numbers, snapshots
and PDFs in private storage, for as long as the law asks their issuer to keep them (README
"Privacy"). What goes is the legal name and address kept for future receipts.
"""

from receipts.models import DonorTaxIdentity, Receipt


def member_data(*, member, data):
    """The member's legal identity, if they gave one, and every receipt issued to them, valid or
    void, as it was printed (the name and address on it are theirs): two queries."""
    identity = DonorTaxIdentity.objects.filter(member=member).first()
    data["tax_identity"] = (
        None
        if identity is None
        else {"legal_name": identity.legal_name, "address": identity.address, "updated_at": identity.updated_at}
    )
    receipts = Receipt.objects.filter(donor=member).select_related("issuer").order_by("issued_at", "id")
    data["receipts"] = [_receipt(receipt) for receipt in receipts]


def _receipt(receipt):
    snapshot = receipt.snapshot
    donor = snapshot.get("donor", {})
    return {
        "number": receipt.number,
        "kind": receipt.kind,
        "year": receipt.year,
        "status": receipt.status,
        "issued_at": receipt.issued_at,
        "voided_at": receipt.voided_at,
        "void_reason": receipt.void_reason,
        "issuer": receipt.issuer.legal_name,
        "is_tax_receipt": receipt.is_tax_receipt,
        "pledge": receipt.pledge_id,
        "printed_for": {
            "handle": donor.get("handle", ""),
            "legal_name": donor.get("legal_name", ""),
            "address": donor.get("address", ""),
        },
        "projects": [project.get("title", "") for project in snapshot.get("projects", [])],
        "lines": snapshot.get("lines", []),
        "totals": snapshot.get("totals", {}),
    }


def member_erase(*, member):
    """Forget the legal name and address. Not through tax_identity_remove's reissuing path: a
    deletion issues, voids and renumbers nothing."""
    DonorTaxIdentity.objects.filter(member=member).delete()
