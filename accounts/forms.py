from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.handles import impersonated_staff_name
from accounts.models import Member, handle_taken_message, look_alike_of, normalize_handle, validate_handle

# An email address is at most 254 characters (RFC 5321); the login field takes either a
# handle or an email, so it must not inherit the handle's 30.
IDENTIFIER_MAX_LENGTH = 254


def clean_email_field(value):
    return (value or "").strip().lower() or None


def email_field(**kwargs):
    return forms.EmailField(
        label=_("Email (optional)"),
        max_length=IDENTIFIER_MAX_LENGTH,
        help_text=_(
            "Private: never shown to anyone. Used only to log in and to receive mail from Tiwizi. "
            "We send it a link to confirm it is yours."
        ),
        **kwargs,
    )


class SignupForm(BaseUserCreationForm):
    """A handle and a password; an email only if the member wants one (kept private).

    The email is a plain field, not the model's: the form never checks it against other accounts
    (no "this email is taken", which would tell anyone who has an account). accounts.services
    .member_sign_up mails the address instead.
    """

    # Declared here rather than taken from the model: one more character than a handle, for a
    # leading "@" that clean_handle removes.
    handle = forms.CharField(
        label=_("Handle"),
        max_length=31,
        help_text=_("3 to 30 letters, digits or underscores. This is your public name; “@” is optional."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocapitalize": "none", "autocomplete": "username"}),
    )

    email = email_field(required=False)

    class Meta:
        model = Member
        fields = ("handle",)

    def clean_handle(self):
        """Handles are public, so a taken one is said, and so is the member's it looks like."""
        handle = normalize_handle(self.cleaned_data.get("handle"))
        validate_handle(handle)
        if impersonated_staff_name(handle):
            # The staff's own accounts are made by the site's operators (createsuperuser, the admin).
            raise ValidationError(
                _("A handle may not look like the name of Tiwizi or of its staff. Please choose another one."),
                code="staff_handle",
            )
        taken = look_alike_of(handle)
        if taken is not None:
            raise ValidationError(handle_taken_message(handle, taken), code="handle_taken")
        return handle

    def clean_email(self):
        return clean_email_field(self.cleaned_data.get("email"))


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


class EmailForm(forms.Form):
    email = email_field()

    def clean_email(self):
        return clean_email_field(self.cleaned_data.get("email"))


class DeleteAccountForm(forms.Form):
    """Deleting an account cannot be undone: the member types their handle and their password."""

    handle = forms.CharField(
        label=_("Your handle"),
        max_length=31,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, member, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_handle(self):
        handle = normalize_handle(self.cleaned_data.get("handle"))
        if handle.lower() != self.member.handle.lower():
            raise ValidationError(_("Type your handle, @%(handle)s, to confirm.") % {"handle": self.member.handle})
        return handle

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if not self.member.check_password(password):
            raise ValidationError(_("This is not your password."))
        return password
