from django import forms
from django.utils.translation import gettext_lazy as _

from receipts.models import DonorTaxIdentity


class TaxIdentityForm(forms.ModelForm):
    class Meta:
        model = DonorTaxIdentity
        fields = ["legal_name", "address"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"})}
        help_texts = {
            "legal_name": _("First names and surname, as on your tax return."),
            "address": _("Street, postcode and town, country."),
        }
