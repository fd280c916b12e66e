"""Members: pseudonymous accounts identified by a handle, and their API tokens.

The handle is the only public identity. The email is optional, private, and used only to
log in and to receive mail; it never reaches a public page or API response.

API tokens: a member creates one per client (a bot, a dashboard) and revokes it when done.
Only a SHA-256 hash of the token is stored: a leaked database does not leak working tokens.
The token is shown once, when it is created. Tokens are long random strings, so a plain
hash (no salt, no slow hashing) is enough and lets a request find its token by an index.
"""

import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.handles import (
    SKELETON_MAX_LENGTH,
    TOMBSTONE_PATTERN,
    handle_skeleton,
    looks_like_a_tombstone,
    skeleton_expression,
)
from core.hiding import hidden_at_field, hidden_reason_field

HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9_]{3,30}$")
# The longest password a form or the API takes: room for any passphrase, not for megabytes to hash.
PASSWORD_MAX_LENGTH = 256

# Words that would collide with our own URLs or impersonate the site; a handle that looks like
# one of them (the same confusable skeleton, accounts/handles.py) is reserved too.
RESERVED_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "static",
        "media",
        "root",
        "system",
        "support",
        "tiwizi",
        "moderator",
        "moderators",
        "staff",
        "me",
        "accounts",
        "account",
        "login",
        "logout",
        "signup",
        "register",
        "settings",
        "help",
        "about",
        "null",
        "none",
        "anonymous",
        "stripe",
        "webhook",
        "www",
        "mail",
        "projects",
        "communities",
        "i18n",
    }
)
RESERVED_SKELETONS = frozenset(handle_skeleton(handle) for handle in RESERVED_HANDLES)


def normalize_handle(raw):
    """The handle as stored: surrounding spaces and one leading '@' removed."""
    handle = (raw or "").strip()
    if handle.startswith("@"):
        handle = handle[1:]
    return handle


def validate_handle(handle):
    if not HANDLE_PATTERN.match(handle):
        raise ValidationError(
            _("A handle has 3 to 30 characters: letters, digits and underscores."),
            code="invalid_handle",
        )
    if handle_skeleton(handle) in RESERVED_SKELETONS or looks_like_a_tombstone(handle):
        raise ValidationError(_("This handle is reserved. Please choose another one."), code="reserved_handle")


class MemberManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, handle):
        return self.get(handle__iexact=normalize_handle(handle))

    def _create(self, handle, password, **extra):
        handle = normalize_handle(handle)
        validate_handle(handle)
        email = extra.pop("email", None) or None
        if email:
            email = self.normalize_email(email).lower()
        member = self.model(handle=handle, email=email, **extra)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_user(self, handle, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(handle, password, **extra)

    def create_superuser(self, handle, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(handle, password, **extra)


class Member(AbstractBaseUser, PermissionsMixin):
    handle = models.CharField(
        _("handle"),
        max_length=30,
        validators=[validate_handle],
        help_text=_("3 to 30 letters, digits or underscores. This is your public name."),
    )
    # What the handle looks like (accounts/handles.py), computed by the database from the handle:
    # unique, so that no two members have look-alike handles.
    handle_skeleton = models.GeneratedField(
        expression=skeleton_expression("handle"),
        output_field=models.CharField(max_length=SKELETON_MAX_LENGTH),
        db_persist=True,
        verbose_name=_("handle's skeleton"),
    )
    # Optional and private. NULL (not "") when absent so that uniqueness ignores it.
    email = models.EmailField(_("email"), blank=True, null=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("member since"), default=timezone.now)
    # The member's language (accounts/languages.py): their pages when signed in, every email they
    # get, the API's messages when a request names none. Set at sign-up to the language they
    # signed up in; empty for accounts older than the choice (the site's language for emails).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    # A flagged profile (moderation app): the profile page and API entry are hidden, and the
    # member's public pledges show as anonymous, until a moderator restores it.
    profile_hidden_at = hidden_at_field()
    profile_hidden_reason = hidden_reason_field()

    objects = MemberManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="member_handle_unique_ci"),
            models.UniqueConstraint(fields=["handle_skeleton"], name="member_handle_skeleton_unique"),
            models.UniqueConstraint(
                Lower("email"), name="member_email_unique_ci", condition=models.Q(email__isnull=False)
            ),
        ]

    def __str__(self):
        return f"@{self.handle}" if not self.is_erased else str(_("deleted member"))

    @property
    def is_erased(self):
        """The account was deleted (accounts/privacy.py): its handle is a tombstone, shown nowhere."""
        return bool(TOMBSTONE_PATTERN.match(self.handle))

    @property
    def public_handle(self):
        """The handle to show, or None for a deleted account (shown as "deleted member")."""
        return None if self.is_erased else self.handle

    def clean(self):
        super().clean()
        self.handle = normalize_handle(self.handle)
        if self.email == "":
            self.email = None
        if self.email:
            self.email = self.email.lower()
        if self.handle:
            clash = look_alike_of(self.handle, exclude_pk=self.pk)
            if clash is not None:
                raise ValidationError({"handle": handle_taken_message(self.handle, clash)})
        if self.email and Member.objects.filter(email__iexact=self.email).exclude(pk=self.pk).exists():
            raise ValidationError({"email": _("An account already uses this email.")})

    def save(self, *args, **kwargs):
        if self.email == "":
            self.email = None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # The profile lists pledges and projects: a page of pages/, found by its URL's name.
        return reverse("pages:profile", kwargs={"handle": self.handle})


def look_alike_of(handle, *, exclude_pk=None):
    """The handle of the member whose handle looks like this one (the same skeleton), or None."""
    members = Member.objects.filter(handle_skeleton=handle_skeleton(handle))
    if exclude_pk is not None:
        members = members.exclude(pk=exclude_pk)
    return members.values_list("handle", flat=True).first()


def handle_taken_message(handle, taken):
    """Handles are public: a look-alike is named, so that whoever chooses sees what it looks like."""
    if taken.lower() == handle.lower():
        return _("This handle is already taken.")
    if looks_like_a_tombstone(taken):
        return _("This handle is reserved. Please choose another one.")
    return _("This handle looks too much like @%(taken)s, another member's. Please choose another one.") % {
        "taken": taken
    }


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


class RecoveryCode(models.Model):
    """One of a member's single-use recovery codes (accounts/recovery.py): only a keyed hash of the
    code is kept, never the code, which is shown once, when it is made."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("member")
    )
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            # Also the index that finds a code typed for a member.
            models.UniqueConstraint(fields=["member", "code_hash"], name="recovery_code_unique_per_member"),
        ]

    def __str__(self):
        return f"{self.member} ({self.created_at:%Y-%m-%d})"
