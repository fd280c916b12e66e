"""Token authentication: `Authorization: Token <key>` (or `Bearer <key>`), looked up by its hash."""

from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.languages import SUPPORTED
from accounts.models import ApiToken, hash_token

# Writing "last used" on every request would turn each read into a write; once a while is enough.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give exactly one token."))
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = (
            ApiToken.objects.select_related("member")
            .filter(key_hash=hash_token(raw), revoked_at__isnull=True, member__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        member = token.member
        # The member's language for the API's messages when the request names none (a session's
        # member had it from accounts.languages.MemberLanguageMiddleware already).
        if member.language in SUPPORTED and not request.headers.get("Accept-Language"):
            translation.activate(member.language)
            request._request.LANGUAGE_CODE = member.language
        return member, token

    def authenticate_header(self, request):
        return "Token"
