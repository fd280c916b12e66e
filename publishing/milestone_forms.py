"""Forms of the leads' milestone pages. They check the shape of the input; the rules (who,
which dates, what done means) are the services' (projects/milestones.py)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from publishing.models import Milestone
from publishing.photos import MAX_PHOTOS_PER_OWNER

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    target_date = forms.DateField(label=_("Target date"), widget=DATE_INPUT, required=False)


class MilestoneForm(MilestoneCreateForm):
    status = forms.ChoiceField(label=_("Status"), choices=Milestone.Status.choices)
    done_on = forms.DateField(
        label=_("Date done"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("When it was done; today if left empty. Only for a done milestone."),
    )
    evidence_note = forms.CharField(
        label=_("Evidence"),
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
