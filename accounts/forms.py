from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Member, normalize_handle, validate_handle

# An email address is at most 254 characters (RFC 5321); the login field takes either a
# handle or an email, so it must not inherit the handle's 30.
IDENTIFIER_MAX_LENGTH = 254


class SignupForm(BaseUserCreationForm):
    """A handle and a password; an email only if the member wants one (kept private)."""

    # Declared here rather than taken from the model: one more character than a handle, for a
    # leading "@" that clean_handle removes.
    handle = forms.CharField(
        label=_("Handle"),
        max_length=31,
        help_text=_("3 to 30 letters, digits or underscores. This is your public name; “@” is optional."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocapitalize": "none", "autocomplete": "username"}),
    )

    class Meta:
        model = Member
        fields = ("handle", "email")
        labels = {"email": _("Email (optional)")}
        help_texts = {
            "email": _("Private: never shown to anyone. Used only to log in and to receive mail from Tiwizi."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False

    def clean_handle(self):
        handle = normalize_handle(self.cleaned_data.get("handle"))
        validate_handle(handle)
        if Member.objects.filter(handle__iexact=handle).exists():
            raise ValidationError(_("This handle is already taken."), code="handle_taken")
        return handle

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if not email:
            return None
        if Member.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account already uses this email."), code="email_taken")
        return email


class LoginForm(AuthenticationForm):
    """Log in with a handle (with or without '@') or with the account's email."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("This handle or email and password do not match an account."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Handle or email")
        username.max_length = IDENTIFIER_MAX_LENGTH
        username.widget.attrs["maxlength"] = IDENTIFIER_MAX_LENGTH


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, help_text=_("What it is for, e.g. “community dashboard”."))
