"""API tokens: a member creates one per client (a bot, a dashboard) and revokes it when done.

Only a SHA-256 hash of the token is stored: a leaked database does not leak working tokens.
The token is shown once, when it is created. Tokens are long random strings, so a plain
hash (no salt, no slow hashing) is enough and lets a request find its token by an index.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "tiw_"
# The first characters shown on the tokens page, so a member can tell their tokens apart.
SHOWN_CHARACTERS = 8


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token():
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("member")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("What it is for, e.g. “community dashboard”."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    shown_start = models.CharField(_("starts with"), max_length=SHOWN_CHARACTERS + len(TOKEN_PREFIX), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.shown_start}…)"

    @property
    def is_active(self):
        return self.revoked_at is None
