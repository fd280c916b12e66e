"""Writes on the API's own rows: members' tokens. The rest of the API calls the domain services."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SHOWN_CHARACTERS, TOKEN_PREFIX, ApiToken, hash_token, new_raw_token
from core.errors import DomainError, NotAllowed

# Enough for a member's bots; a cap keeps a stolen session from minting thousands.
MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def token_create(*, member, name):
    """A new token for the member. Returns (token, raw key): the raw key is never stored, so this
    is the only moment it can be shown."""
    if not member.is_authenticated:
        raise NotAllowed(_("Log in to create an API token."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if ApiToken.objects.filter(member=member, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(_("You have too many tokens: revoke one first."))
    raw = new_raw_token()
    token = ApiToken.objects.create(
        member=member,
        name=name[:60],
        key_hash=hash_token(raw),
        shown_start=raw[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS],
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token, actor):
    """Revoke a token of the actor's. Idempotent: revoking twice keeps the first date."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.member_id != actor.pk:
        raise NotAllowed(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
