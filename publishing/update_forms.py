"""Form of the leads' update pages: the shape of the input only; the rules are the services'
(projects/updates.py)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from publishing.milestone_forms import MultiplePhotoField, MultiplePhotoInput
from publishing.models import Update
from publishing.photos import MAX_PHOTOS_PER_OWNER
from publishing.updates import BODY_MAX, TITLE_MAX


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
