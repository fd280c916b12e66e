"""Forms of the lead dashboard. They collect input; donations.services and projects.services
decide. Quantities stay text until the service reads them (decimal comma, currency decimals)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donations.models import Need, Pledge
from projects.models import Project


def quantity_initial(value):
    """A stored Decimal as a lead would type it: 50000.00 → "50000", 2.50 → "2.5"."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


class ProjectMoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Project.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Need.Kind.choices, initial=Need.Kind.MATERIAL)
    label = forms.CharField(label=_("What"), max_length=120, help_text=_("e.g. “blankets”, “building fund”."))
    unit = forms.CharField(
        label=_("Unit"), max_length=40, required=False, help_text=_("e.g. piece, kg, m². Material only.")
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

    @classmethod
    def initial_for(cls, need):
        return {
            "kind": need.kind,
            "label": need.label,
            "unit": need.unit,
            "target_quantity": quantity_initial(need.target_quantity),
            "estimated_unit_value": quantity_initial(need.estimated_unit_value),
        }


class ReceptionForm(forms.Form):
    quantity = forms.CharField(
        label=_("Quantity or amount received"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), max_length=280, required=False)


class LeadPledgeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, shown to the donor"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PledgeFilterForm(forms.Form):
    """The dashboard's pledge filters (GET). An unknown value is ignored, never an error page."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    need = forms.TypedChoiceField(label=_("Need"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("How it arrives"), required=False)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(Pledge.Status.choices)
        self.fields["need"].choices = everything + [(need.pk, need.label) for need in needs]
        self.fields["channel"].choices = everything + list(Pledge.Channel.choices)

    def filters(self):
        self.is_valid()  # an invalid field drops out of cleaned_data; the others still apply
        return {
            "status": self.cleaned_data.get("status") or None,
            "need_id": self.cleaned_data.get("need"),
            "channel": self.cleaned_data.get("channel") or None,
        }
