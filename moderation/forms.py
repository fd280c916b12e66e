"""The forms of the flag page and the moderation queue: bounded texts and fixed choices; the
rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_handle
from moderation.models import ACTION_NOTE_MAX_LENGTH, NOTE_MAX_LENGTH, Flag
from moderation.services import SUSPENSION_REASON_MAX_LENGTH, PledgeCorrection

PLEDGE_NUMBER_MAX_LENGTH = 20


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why do you report it?"), choices=Flag.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Anything the moderators should know (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _note_field(label=None):
    return forms.CharField(label=label or _("Note (optional)"), max_length=ACTION_NOTE_MAX_LENGTH, required=False)


class ReviewForm(forms.Form):
    APPROVE = "approve"
    SEND_BACK = "send_back"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Open to pledges")), (SEND_BACK, _("Send back to draft"))], widget=forms.HiddenInput
    )
    note = _note_field(_("Note for the leads"))


class FlagDecisionForm(forms.Form):
    RESTORE = "restore"
    REMOVE = "remove"

    decision = forms.ChoiceField(choices=[(RESTORE, _("Restore")), (REMOVE, _("Remove"))], widget=forms.HiddenInput)
    note = _note_field()


class PledgeFindForm(forms.Form):
    pledge = forms.CharField(label=_("Pledge number"), max_length=PLEDGE_NUMBER_MAX_LENGTH)

    def clean_pledge(self):
        typed = self.cleaned_data["pledge"].strip().lstrip("#").strip()
        # ASCII digits only: "١٢" or "１２" are not pledge numbers.
        if not (typed.isascii() and typed.isdigit()) or len(typed) > 12:
            raise forms.ValidationError(_("Type the pledge's number as the donor gave it, e.g. 1234."))
        return int(typed)


class PledgeCorrectionForm(forms.Form):
    correction = forms.ChoiceField(label=_("Correction"), choices=(), widget=forms.RadioSelect)
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["correction"].choices = PledgeCorrection.choices()


class SuspendForm(forms.Form):
    handle = forms.CharField(label=_("Member's handle"), max_length=31)
    reason = forms.CharField(label=_("Reason"), max_length=SUSPENSION_REASON_MAX_LENGTH)

    def clean_handle(self):
        return normalize_handle(self.cleaned_data["handle"])


class LiftForm(forms.Form):
    note = _note_field()
