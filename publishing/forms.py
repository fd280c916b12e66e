"""Forms of the leads' pages for milestones, updates and expenses. They check the shape of the
input; the rules (who, which dates, what done means, amounts in the currency's decimals, what a
scan may be) are the services' (milestones.py, updates.py, expenses.py).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import NotANumber, as_typed, parse_typed
from core.uploads import SCAN_MAX_BYTES
from core.widgets import DateInput
from publishing.limits import MILESTONE_DESCRIPTION_MAX, MILESTONE_EVIDENCE_MAX
from publishing.models import Milestone, Update
from publishing.photos import MAX_PHOTOS_PER_OWNER
from publishing.updates import BODY_MAX, TITLE_MAX


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one <input type="file" multiple>; each is checked by the service."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(file, initial) for file in files]


class MilestoneCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=MILESTONE_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    target_date = forms.DateField(label=_("Target date"), widget=DateInput(), required=False)


class MilestoneForm(MilestoneCreateForm):
    status = forms.ChoiceField(label=_("Status"), choices=Milestone.Status.choices)
    done_on = forms.DateField(
        label=_("Date done"),
        widget=DateInput(),
        required=False,
        help_text=_("When it was done; today if left empty. Only for a done milestone."),
    )
    evidence_note = forms.CharField(
        label=_("Evidence"),
        max_length=MILESTONE_EVIDENCE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What shows it is done: who checked, what was delivered."),
    )
    photos = MultiplePhotoField(
        label=_("Evidence photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the request's language, hence here and not in the field's declaration.
        self.fields["photos"].help_text = gettext(
            "JPEG, PNG or WebP, up to %(count)d per milestone. Location data is removed."
        ) % {"count": MAX_PHOTOS_PER_OWNER}

    @classmethod
    def initial_for(cls, milestone):
        return {
            "title": milestone.title,
            "description": milestone.description,
            "target_date": milestone.target_date,
            "status": milestone.status,
            "done_on": milestone.done_on,
            "evidence_note": milestone.evidence_note,
        }


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    audience = forms.ChoiceField(
        label=_("Who may read it"), choices=Update.Audience.choices, initial=Update.Audience.PUBLIC
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the request's language, hence here and not in the field's declaration.
        self.fields["photos"].help_text = gettext(
            "JPEG, PNG or WebP, up to %(count)d per update. Location data is removed."
        ) % {"count": MAX_PHOTOS_PER_OWNER}

    @classmethod
    def initial_for(cls, update):
        return {"title": update.title, "body": update.body, "audience": update.audience}


def _clean_amount_text(value):
    """What a lead types ("1 500,50") as a Decimal; the service checks sign, size and decimals."""
    try:
        return parse_typed(value)
    except NotANumber as error:
        message = error.message if error.code == "digits" else _("Enter an amount, e.g. 1500 or 1500.50.")
        raise ValidationError(message, code="invalid") from None


class ExpenseForm(forms.Form):
    description = forms.CharField(
        label=_("What was bought or paid for"), max_length=200, help_text=_("e.g. “20 bags of cement”.")
    )
    supplier = forms.CharField(label=_("Supplier"), max_length=120, required=False)
    amount = forms.CharField(label=_("Amount"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    spent_on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput())
    need = forms.TypedChoiceField(label=_("Need it serves"), required=False, coerce=int, empty_value=None)
    scan = forms.FileField(
        label=_("Supplier's receipt"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        help_text=_(
            "A photo (JPEG, PNG or WebP) or a PDF, at most %(size)d MB. Photos are stored without their "
            "metadata (place, phone); a PDF is published as it is: check it shows nothing private."
        )
        % {"size": SCAN_MAX_BYTES // (1024 * 1024)},
    )

    def __init__(self, *args, project, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.needs_by_id = {need.pk: need for need in needs}
        self.fields["need"].choices = [("", _("None in particular"))] + [(need.pk, need.label) for need in needs]
        self.fields["amount"].help_text = _("In %(currency)s.") % {"currency": project.currency}

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        return None if value in ("", None) else _clean_amount_text(value)

    def clean_need(self):
        need_id = self.cleaned_data.get("need")
        return None if need_id is None else self.needs_by_id[need_id]

    def service_arguments(self):
        data = self.cleaned_data
        return {name: data[name] for name in ("description", "supplier", "amount", "spent_on", "need", "scan")}


class ExpenseCorrectForm(ExpenseForm):
    """The expense's values to change, and why. "Cancel it" records the reversal alone."""

    reason = forms.CharField(
        label=_("Why the correction"),
        max_length=200,
        help_text=_("Shown with the correction on the project's page, e.g. “wrong amount typed”."),
    )
    withdraw = forms.BooleanField(
        label=_("This expense should not have been recorded: cancel it without a replacement"), required=False
    )
    field_order = ["reason", "withdraw"]

    def __init__(self, *args, expense, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "description": expense.description,
                "supplier": expense.supplier,
                "amount": as_typed(expense.amount),
                "spent_on": expense.spent_on,
                "need": expense.need_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.expense = expense
        self.fields["scan"].help_text = _("Leave empty to keep the receipt already attached.")
        for name in ("description", "amount", "spent_on"):
            # Not needed when the expense is cancelled without a replacement.
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if not data.get("withdraw"):
            for name in ("description", "amount", "spent_on"):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("This field is required."))
            if not self.errors and self._unchanged(data):
                raise ValidationError(
                    _("Nothing was changed: change a value, or cancel the expense without a replacement."),
                    code="unchanged",
                )
        return data

    def _unchanged(self, data):
        expense = self.expense
        need_id = data["need"].pk if data.get("need") else None
        return (
            not data.get("scan")
            and data["description"].strip() == expense.description
            and (data.get("supplier") or "").strip() == expense.supplier
            and data["amount"] == expense.amount
            and data["spent_on"] == expense.spent_on
            and need_id == expense.need_id
        )

    def service_arguments(self):
        data = self.cleaned_data
        arguments = {"reason": data["reason"]}
        if not data.get("withdraw"):
            arguments.update(super().service_arguments())
        return arguments
