"""Getting back into an account and changing a password (accounts/recovery.py): what is sent, each
text within its limit, and the one answer."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.forms import IDENTIFIER_MAX_LENGTH
from accounts.models import PASSWORD_MAX_LENGTH
from accounts.recovery import RECOVERY_CODE_MAX_LENGTH


def password_field(**kwargs):
    return serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


class PasswordResetRequestSerializer(serializers.Serializer):
    identifier = serializers.CharField(
        max_length=IDENTIFIER_MAX_LENGTH, help_text=_("The account's handle (with or without “@”) or its email.")
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(
        max_length=64, help_text=_("The first part of the reset link: /accounts/reset/UID/TOKEN/.")
    )
    token = serializers.CharField(max_length=128, help_text=_("The second part of the reset link."))
    new_password = password_field()


class RecoveryCodeSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31, help_text=_("The account's handle; “@” is optional."))
    recovery_code = serializers.CharField(
        max_length=RECOVERY_CODE_MAX_LENGTH, help_text=_("One of the account's recovery codes, e.g. 7K2D-9QXM-4HTA.")
    )
    new_password = password_field()


class PasswordChangeSerializer(serializers.Serializer):
    current_password = password_field()
    new_password = password_field()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What happened, for people, in the request's language."))
