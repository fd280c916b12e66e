"""Form of the leads' refund page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CardRefundForm(forms.Form):
    """A lead's refund of a card payment. The token is made when the form is shown: sending the
    same form twice is one refund (payments.refunds.refund_card_payment)."""

    payment = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.CharField(
        label=_("Amount to refund"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
