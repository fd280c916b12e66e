"""The demo's receipt issuers and one donor who asked for tax receipts (used by projects/demo.py).

Twittoma's receipts are issued by a French association eligible for tax receipts, so the demo
shows both kinds: nadia_lyon gave her legal name and address (CERFA receipts), the others get
receipts under their handle. Idempotent, like the rest of the demo.
"""

from projects.models import Community
from receipts.models import DonorTaxIdentity, Issuer

ISSUERS = {
    "twittoma": {
        "legal_name": "Association Twittoma Solidarité",
        "address": "12 rue de la République\n69002 Lyon\nFrance",
        "registration_number": "RNA W691012345",
        "signatory_name": "Khadija Mansouri",
        "signatory_title": "Trésorière",
        "signature_place": "Lyon",
        "number_prefix": "TWZ",
        "language": "fr",
        "french_tax_receipts": True,
        "tax_article": Issuer.TaxArticle.INDIVIDUALS,
        "tax_category": "Œuvre ou organisme d'intérêt général",
        "purpose": "Soutenir l'éducation, l'aide d'urgence et l'accès à l'eau dans les villages du Maroc.",
    },
    "instant-resilience": {
        "legal_name": "Association InstantRésilience",
        "address": "Quartier Bè-Kpota\nLomé\nTogo",
        "registration_number": "Récépissé n° 0457/MATDCL-SG",
        "signatory_name": "Kossi Amegah",
        "signatory_title": "Président",
        "signature_place": "Lomé",
        "number_prefix": "IRL",
        "language": "fr",
    },
}
TAX_IDENTITIES = {"nadia_lyon": ("Nadia Benali", "8 quai Saint-Antoine\n69002 Lyon\nFrance")}


def load_receipt_demo(*, members, created, skipped):
    """Issuers for the demo communities and the demo's tax identity, before any gift arrives."""
    communities = Community.objects.filter(slug__in=ISSUERS).exclude(receipt_issuer__isnull=False)
    for community in communities:
        Issuer.objects.create(community=community, **ISSUERS[community.slug])
        created(f"receipt issuer for {community.name}")
    for handle, (legal_name, address) in TAX_IDENTITIES.items():
        _identity, was_created = DonorTaxIdentity.objects.get_or_create(
            member=members[handle], defaults={"legal_name": legal_name, "address": address}
        )
        (created if was_created else skipped)(f"legal identity of @{handle} (for her tax receipts)")
