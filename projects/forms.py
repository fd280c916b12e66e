"""Forms of the project pages. They validate the input; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.uploads import COVER_MAX_BYTES as COVER_IMAGE_MAX_BYTES
from core.widgets import DateInput
from projects.limits import INVITATION_HANDLE_MAX, TRANSITION_NOTE_MAX
from projects.models import Community, Project


def _clean_country(value):
    country = (value or "").strip().upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise ValidationError(_("Enter the country's two-letter code, e.g. MA, TG, FR."), code="invalid_country")
    return country


class ProjectForm(forms.ModelForm):
    """Propose a project. Validates the input; the service creates the draft."""

    class Meta:
        model = Project
        fields = (
            "community",
            "title",
            "summary",
            "story",
            "village",
            "region",
            "country",
            "category",
            "currency",
            "deadline",
            "hashtag",
            "cover_image",
        )
        widgets = {
            "deadline": DateInput(),
            "country": forms.TextInput(attrs={"maxlength": 2, "size": 3, "autocapitalize": "characters"}),
            "cover_image": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }
        help_texts = {"cover_image": _("A photo of the place or the need. JPEG, PNG or WebP, at most 5 MB.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "community" in self.fields:
            # Slugs in the form, so that a link can preselect a community (?community=slug).
            self.fields["community"].to_field_name = "slug"
            self.fields["community"].queryset = Community.objects.order_by("name")
        if "cover_image" in self.fields:
            # Django's own check (Pillow can open it) speaks of "corrupted images"; ours says what
            # to send. The service then checks further and re-encodes without EXIF (core/uploads.py).
            self.fields["cover_image"].error_messages["invalid_image"] = _(
                "This file is not an image we can read: send a JPEG, PNG or WebP photo."
            )

    def clean_country(self):
        return _clean_country(self.cleaned_data.get("country"))

    def clean_hashtag(self):
        return (self.cleaned_data.get("hashtag") or "").strip().lstrip("#")

    def clean_cover_image(self):
        image = self.cleaned_data.get("cover_image")
        size = getattr(image, "size", None)
        # Only a new upload has to be checked; the stored image passed once already.
        if image and "cover_image" in self.changed_data and size is not None and size > COVER_IMAGE_MAX_BYTES:
            raise ValidationError(
                _("The cover image is %(size)s MB; it must be at most 5 MB. Please choose a smaller photo.")
                % {"size": f"{size / (1024 * 1024):.1f}"},
                code="image_too_large",
            )
        return image

    def service_arguments(self):
        """The cleaned values as keyword arguments for the project services."""
        arguments = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}
        arguments.pop("cover_image", None)
        if "cover_image" in self.changed_data:
            # False means "clear" (the checkbox of the file input).
            arguments["cover_image"] = self.cleaned_data["cover_image"] or ""
        return arguments


class ProjectEditForm(ProjectForm):
    """A lead edits the description. The community stays: moving would skip its review."""

    class Meta(ProjectForm.Meta):
        fields = tuple(name for name in ProjectForm.Meta.fields if name != "community")


class ProjectMoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Project.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=TRANSITION_NOTE_MAX, required=False)


class LeadInviteForm(forms.Form):
    """Invite a co-lead by handle. Whether the handle names someone who may be invited is the
    service's to say (projects.services.lead_invitation_create)."""

    handle = forms.CharField(
        label=_("Their handle"),
        max_length=INVITATION_HANDLE_MAX,
        help_text=_("The member's handle, e.g. @aicha_tz: they accept or decline on their invitations page."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false", "placeholder": "@"}
        ),
    )
