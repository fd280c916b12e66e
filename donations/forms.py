"""Forms for donors. They collect input; the rules (amounts, channels, states) are the services'.

Quantities are taken as text and handed to the service as typed, so that "10,5" (French
decimal comma) and "10.5" both work and every refusal speaks the same words everywhere.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from donations.models import Pledge


class PledgeForm(forms.Form):
    quantity = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    channel = forms.ChoiceField(label=_("How will it arrive?"))
    visibility = forms.ChoiceField(
        label=_("Show my pledge"),
        choices=Pledge.Visibility.choices,
        initial=Pledge.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the project (optional)"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, need, **kwargs):
        super().__init__(*args, **kwargs)
        self.need = need
        if need.is_cash:
            self.fields["quantity"].label = _("Amount in %(currency)s") % {"currency": need.project.currency}
        else:
            self.fields["quantity"].label = _("How many %(unit)s?") % {"unit": need.unit}
        # Card is among them only when Stripe is configured.
        self.fields["channel"].choices = [(channel.value, channel.label) for channel in Pledge.channels_for(need)]


class DonorCancelForm(forms.Form):
    # Only a donor who also leads the project is asked for a reason by the service.
    reason = forms.CharField(label=_("Reason (optional)"), max_length=1000, required=False)


class CardRefundForm(forms.Form):
    """A lead's refund of a card payment. The token is made when the form is shown: sending the
    same form twice is one refund (donations.payments.refund_card_payment)."""

    payment = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.CharField(
        label=_("Amount to refund"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
