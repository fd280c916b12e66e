"""Passwords: asking for a reset email, setting a new password with a reset link's token or with a
recovery code, and a signed-in member changing theirs. The rules, limits and emails are
accounts/recovery.py's; the pages (accounts/views.py) share the limits' counters."""

from django.contrib.auth import update_session_auth_hash
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import recovery
from accounts import selectors as member_selectors
from api.serializers.passwords import (
    DetailSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RecoveryCodeSerializer,
)
from api.throttling import (
    AnonymousThrottle,
    MemberThrottle,
    PasswordCheckThrottle,
    PasswordResetThrottle,
    RecoveryThrottle,
)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PasswordResetRequestView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonymousThrottle, MemberThrottle, PasswordResetThrottle]

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={202: DetailSerializer},
        summary="Ask for a password reset email.",
    )
    def post(self, request):
        """The account the handle or email names gets a reset link at its confirmed address, if it
        has one. The answer is the same whatever the identifier names, and however many emails the
        account already got (a few an hour at most leave)."""
        data = _valid(PasswordResetRequestSerializer, request)
        recovery.password_reset_request(identifier=data["identifier"])
        return Response({"detail": str(recovery.RESET_REQUESTED)}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [permissions.AllowAny]
    # A token cannot be guessed, and a wrong one costs no hashing: the API's general rates, as on
    # the page that takes the link.
    throttle_classes = [AnonymousThrottle, MemberThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer},
        summary="Set a new password with a reset link's uid and token.",
    )
    def post(self, request):
        """The link works once, and for a day; every session of the account ends."""
        data = _valid(PasswordResetConfirmSerializer, request)
        recovery.password_reset_confirm(uid=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response({"detail": _("Your password is changed: log in with it.")})


class RecoveryCodeView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonymousThrottle, MemberThrottle, RecoveryThrottle]

    @extend_schema(
        request=RecoveryCodeSerializer,
        responses={200: DetailSerializer},
        summary="Set a new password with a handle and one of its recovery codes.",
    )
    def post(self, request):
        """The code is used up. Tries are limited per address and per handle (429 past it)."""
        data = _valid(RecoveryCodeSerializer, request)
        member = recovery.password_recover_with_code(
            handle=data["handle"], code=data["recovery_code"], new_password=data["new_password"]
        )
        left = member_selectors.recovery_codes_summary(member=member)["unused"]
        return Response({"detail": _("Your password is changed: log in with it.") + " " + codes_left(left)})


def codes_left(left):
    return _("Recovery codes left: %(count)d.") % {"count": left}


class PasswordChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [MemberThrottle, PasswordCheckThrottle]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={200: DetailSerializer},
        summary="Change your password.",
    )
    def post(self, request):
        """Your current password, then the new one. Your API tokens keep working; every session of
        the account ends, but this one when it is the session that asks."""
        data = _valid(PasswordChangeSerializer, request)
        member = recovery.password_change(
            member=request.user, current_password=data["current_password"], new_password=data["new_password"]
        )
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request, member)
        return Response({"detail": _("Your password is changed.")})
