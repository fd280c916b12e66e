"""Forms of donations' pages, for donors and leads. They collect input; the rules (amounts,
channels, states) are the services'.

Quantities are taken as text and handed to the service as typed, so that "10,5" (French
decimal comma) and "10.5" both work and every refusal speaks the same words everywhere.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import as_typed
from core.widgets import DateInput
from donations.limits import (
    COLLECTION_POINTS_MAX,
    MOBILE_MONEY_ACCOUNTS_MAX,
    PLEDGE_CANCELLATION_REASON_MAX,
    PLEDGE_MESSAGE_MAX,
    RECEPTION_NOTE_MAX,
)
from donations.models import CollectionPoint, GivingDetails, MobileMoneyAccount, Need, Pledge


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
        max_length=PLEDGE_MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, need, **kwargs):
        super().__init__(*args, **kwargs)
        self.need = need
        if need.is_cash:
            self.fields["quantity"].label = _("Amount in %(currency)s") % {"currency": need.project.currency}
        else:
            self.fields["quantity"].label = _("How many %(unit)s?") % {"unit": need.plural_unit}
        if need.decimal_places == 0:
            # Phones then show digits only: no decimals to type (XOF, or a need counted whole).
            self.fields["quantity"].widget.attrs["inputmode"] = "numeric"
        # Card is among them only when Stripe is configured.
        self.fields["channel"].choices = [(channel.value, channel.label) for channel in Pledge.channels_for(need)]


class DonorCancelForm(forms.Form):
    # Only a donor who also leads the project is asked for a reason by the service.
    reason = forms.CharField(label=_("Reason (optional)"), max_length=PLEDGE_CANCELLATION_REASON_MAX, required=False)


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Need.Kind.choices, initial=Need.Kind.MATERIAL)
    label = forms.CharField(label=_("What"), max_length=120, help_text=_("e.g. “blankets”, “building fund”."))
    unit = forms.CharField(
        label=_("Unit"), max_length=40, required=False, help_text=_("e.g. piece, kg, m². Material only.")
    )
    unit_plural = forms.CharField(
        label=_("Unit, plural"),
        max_length=40,
        required=False,
        help_text=_("e.g. pieces. Leave empty for the usual plural (pièce → pièces, kg → kg)."),
    )
    target_quantity = forms.CharField(
        label=_("Goal"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("An amount in the project's currency, or a number of units."),
    )
    estimated_unit_value = forms.CharField(
        label=_("Estimated value per unit"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Optional, in the project's currency. Material only."),
    )
    whole_units = forms.BooleanField(
        label=_("Counted in whole units"),
        required=False,
        initial=True,
        help_text=_(
            "Material only. Ticked: pieces, bags, desks, counted 1, 2, 3 (1.5 blankets is refused). "
            "Untick it for what is measured: kg, m², litres (2.5 kg)."
        ),
    )

    @classmethod
    def initial_for(cls, need):
        return {
            "kind": need.kind,
            "label": need.label,
            "unit": need.unit,
            "unit_plural": need.unit_plural,
            "target_quantity": as_typed(need.target_quantity),
            "estimated_unit_value": as_typed(need.estimated_unit_value),
            "whole_units": need.whole_units or need.is_cash,
        }


class ReceptionForm(forms.Form):
    quantity = forms.CharField(
        label=_("Quantity or amount received"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    note = forms.CharField(label=_("Note"), max_length=RECEPTION_NOTE_MAX, required=False)

    def __init__(self, *args, need=None, **kwargs):
        super().__init__(*args, **kwargs)
        if need is None:
            return
        # "montant" for money, "quantité" for goods: never a quantity of dirhams.
        if need.is_cash:
            self.fields["quantity"].label = _("Amount that arrived, in %(currency)s") % {
                "currency": need.project.currency
            }
        else:
            self.fields["quantity"].label = _("How many %(unit)s arrived?") % {"unit": need.plural_unit}
        self.fields["received_on"].label = _("Arrived on")


class LeadPledgeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, shown to the donor"),
        max_length=PLEDGE_CANCELLATION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GivingDetailsForm(forms.ModelForm):
    class Meta:
        model = GivingDetails
        fields = ["bank_holder", "bank_account", "bank_name", "cash_contact", "payment_days", "public"]
        widgets = {"payment_days": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1})}


class MobileMoneyForm(forms.ModelForm):
    class Meta:
        model = MobileMoneyAccount
        fields = ["operator", "number", "holder"]
        widgets = {"number": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})}


class CollectionPointForm(forms.ModelForm):
    # A link typed without its scheme is an https one (a map's).
    map_url = forms.URLField(label=_("map link"), max_length=500, required=False, assume_scheme="https", validators=[])

    class Meta:
        model = CollectionPoint
        fields = ["name", "address", "hours", "contact", "map_url"]


def _rows_formset(form, maximum, prefix):
    formset = forms.formset_factory(form, extra=1, max_num=maximum, validate_max=True, can_delete=True)

    def build(data=None, *, rows=()):
        initial = [{name: getattr(row, name) for name in form._meta.fields} for row in rows]
        return formset(data, initial=initial, prefix=prefix)

    return build


mobile_money_formset = _rows_formset(MobileMoneyForm, MOBILE_MONEY_ACCOUNTS_MAX, "mobile")
collection_points_formset = _rows_formset(CollectionPointForm, COLLECTION_POINTS_MAX, "points")


def kept_rows(formset):
    """The rows a valid formset keeps, in order: filled in and not ticked for removal."""
    return [
        {name: value for name, value in entry.cleaned_data.items() if name != "DELETE"}
        for entry in formset.forms
        if entry.has_changed() or entry.initial
        if entry.cleaned_data and not entry.cleaned_data.get("DELETE")
    ]
