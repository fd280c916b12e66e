"""Factories of receipt issuers."""

import factory

from projects.tests.factories import CommunityFactory
from receipts.models import Issuer


class IssuerFactory(factory.django.DjangoModelFactory):
    """The association issuing a community's receipts; French tax receipts with trait tax=True."""

    class Meta:
        model = Issuer

    community = factory.SubFactory(CommunityFactory)
    legal_name = factory.Sequence(lambda n: f"Association Entraide {n}")
    address = "12 rue de la République\n69002 Lyon\nFrance"
    registration_number = factory.Sequence(lambda n: f"RNA W69{n:07d}")
    signatory_name = "Khadija Mansouri"
    signatory_title = "Trésorière"
    signature_place = "Lyon"
    number_prefix = factory.Sequence(lambda n: f"ENT{n}")
    language = "en"

    class Params:
        tax = factory.Trait(
            french_tax_receipts=True,
            tax_article=Issuer.TaxArticle.INDIVIDUALS,
            tax_category="Œuvre ou organisme d'intérêt général",
            purpose="Aide à la scolarisation des enfants des villages de montagne",
            language="fr",
        )
