from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import recovery
from accounts.handles import impersonated_staff_name
from accounts.models import (
    PASSWORD_MAX_LENGTH,
    Member,
    handle_taken_message,
    look_alike_of,
    normalize_handle,
    validate_handle,
)

# An email address is at most 254 characters (RFC 5321); the login field takes either a
# handle or an email, so it must not inherit the handle's 30.
IDENTIFIER_MAX_LENGTH = 254


def limit_passwords(form, *names):
    """Django's password fields take any length: ours take PASSWORD_MAX_LENGTH characters at most."""
    for name in names:
        field = form.fields[name]
        field.max_length = PASSWORD_MAX_LENGTH
        field.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
        field.widget.attrs["maxlength"] = str(PASSWORD_MAX_LENGTH)


def handle_field(**kwargs):
    # One more character than a handle, for a leading "@" that normalize_handle removes.
    return forms.CharField(
        max_length=31,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}),
        **kwargs,
    )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_passwords(self, "password1", "password2")

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


class PasswordConfirmForm(forms.Form):
    """The member's current password, before something that could open the account to another
    (new recovery codes)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, member, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if not self.member.check_password(password):
            raise ValidationError(_("This is not your password."))
        return password


class PasswordResetRequestForm(forms.Form):
    """What PasswordResetView asks: a handle or an email. It says nothing about either: save()
    hands it to accounts.recovery, which mails the account's own address, if it has one."""

    identifier = forms.CharField(
        label=_("Handle or email"),
        max_length=IDENTIFIER_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True, "autocapitalize": "none", "autocomplete": "username"}),
    )

    def save(self, **_options):
        # PasswordResetView passes its own email options (templates, domain, token generator):
        # the link and the email are accounts.recovery's, on SITE_URL.
        recovery.password_reset_request(identifier=self.cleaned_data["identifier"])


class SetPasswordForm(auth_forms.SetPasswordForm):
    """A new password, from a reset link (PasswordResetConfirmView)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_passwords(self, "new_password1", "new_password2")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """A signed-in member's new password, after their current one (PasswordChangeView)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_passwords(self, "old_password", "new_password1", "new_password2")
        self.fields["old_password"].label = _("Current password")


class RecoveryForm(auth_forms.SetPasswordMixin, forms.Form):
    """A handle, one of its recovery codes and a new password (accounts.recovery checks the code)."""

    handle = handle_field(
        label=_("Handle"),
        help_text=_("The handle of your account; “@” is optional."),
    )
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=recovery.RECOVERY_CODE_MAX_LENGTH,
        help_text=_("One of the codes you printed or wrote down, e.g. 7K2D-9QXM-4HTA. Each works once."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
    )
    new_password1, new_password2 = auth_forms.SetPasswordMixin.create_password_fields(
        label1=_("New password"), label2=_("New password confirmation")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_passwords(self, "new_password1", "new_password2")
        self.fields["handle"].widget.attrs["autofocus"] = True

    def clean_handle(self):
        return normalize_handle(self.cleaned_data.get("handle"))

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        # Checked as the member's without their email: a refusal says nothing about the account.
        handle = self.cleaned_data.get("handle") or ""
        self.validate_password_for_user(Member(handle=handle), "new_password2")
        return super().clean()
