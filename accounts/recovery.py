"""Getting back into an account whose password is forgotten, and setting a new password.

An email is optional (a twitto may sign up with a handle only), so there are two ways back:

- **A password reset link**, for a member with a confirmed email (Member.email is set only once
  its owner followed the link that attaches it, accounts/services.py). It is Django's own token
  (default_token_generator): signed with SECRET_KEY over the member's password hash, last log-in
  and email, so it works once, and for settings.PASSWORD_RESET_TIMEOUT. It is asked for by handle
  or email, and the answer is the same whether or not that names an account, the account has an
  address, or an email actually left.
- **Recovery codes**, for everyone and above all for a member without an email: eight random codes
  of 60 bits, made right after a sign-up without email and whenever the member asks for new ones
  (which replaces the old ones), shown once, to print or write down, each good for one new
  password. We chose them because a pseudonymous member gives us nothing else we could check: no
  phone, no legal name, and no operator can tell the real @amine_tw from someone who claims to be
  him. Security questions would be guessable from the member's public life and would make us
  keep personal answers. A code on paper is what the member alone holds, like the recovery codes
  of two-factor authentication.

Codes are kept as a keyed hash (HMAC-SHA256 under SECRET_KEY, over the member's id and the code),
not with make_password: a code is 60 random bits, so a slow hash would only make every try slower
without making a guess likelier to fail, while the key means that a copy of the database alone
cannot test any code; and the hash is found by an index, in one query. The keys of
SECRET_KEY_FALLBACKS are tried too, so that rotating the key does not lose anyone's codes.

Limits (settings.RATE_LIMITS; the page and the API count together): requests for a reset email
per address, answered with a 429; reset emails per account, silently (past it nothing leaves and
the answer is the same, so a stranger can neither fill a member's inbox from many addresses nor
learn anything); tries of a recovery code per address, and per handle typed, whether or not the
handle exists (five an hour, against codes of 60 bits).

Every new password goes through password_set: checked by AUTH_PASSWORD_VALIDATORS, saved under a
lock of the member's row, the account's failed log-ins forgotten, and, after the commit, an email
to the member (when they have an address) saying that their password changed.
"""

import hashlib
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import login_limits
from accounts.backends import member_for_identifier
from accounts.languages import in_language_of
from accounts.models import PASSWORD_MAX_LENGTH, Member, RecoveryCode, normalize_handle
from core import rates
from core.errors import DomainError, NotAllowed, TooManyAttempts

# What the page and the API answer to every request for a reset email.
RESET_REQUESTED = gettext_lazy(
    "If this handle or email is an account's, and the account has a confirmed email address, we sent "
    "that address a link to choose a new password. Check your inbox. No email on your account? Use a "
    "recovery code."
)

RECOVERY_CODE_COUNT = 8
# Crockford's base 32: digits and capital letters without I, L, O and U, so that a code written
# down by hand reads back the same (O is read as 0, and I or L as 1).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 random bits
CODE_GROUP = 4  # shown as XXXX-XXXX-XXXX
READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What may be typed: a code with its dashes, spaces and a few slips.
RECOVERY_CODE_MAX_LENGTH = 40
HASH_SALT = "accounts.recovery.RecoveryCode"

# How a password was changed, as the email to the member says it.
BY_RESET_LINK, BY_RECOVERY_CODE, BY_MEMBER = "reset_link", "recovery_code", "member"


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code):
    return "-".join(code[start : start + CODE_GROUP] for start in range(0, len(code), CODE_GROUP))


def normalize_code(raw):
    """The code as made, from what a member typed: any case, dashes and spaces, O for 0, I or L for 1."""
    translated = (raw or "").upper().translate(READ_AS)
    return "".join(character for character in translated if character in CODE_ALPHABET)


def code_hashes(member_pk, code):
    """The code's hash under SECRET_KEY first (the one stored), then under each fallback key."""
    message = f"{member_pk}:{code}"
    return [
        salted_hmac(HASH_SALT, message, secret=key, algorithm="sha256").hexdigest()
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]


def validated_password(password, member):
    """The new password, or a DomainError on the field `new_password` with what the validators say."""
    if len(password or "") > PASSWORD_MAX_LENGTH:
        raise DomainError(
            _("A password has at most %(count)d characters.") % {"count": PASSWORD_MAX_LENGTH},
            code="invalid_password",
            field="new_password",
        )
    try:
        password_validation.validate_password(password, member)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid_password", field="new_password") from None
    return password


@transaction.atomic
def password_set(*, member, new_password, how=BY_MEMBER):
    """Give the member this new password; returns the member as saved.

    The password is checked by AUTH_PASSWORD_VALIDATORS and saved under a lock of the member's row
    (so two changes at once end with one of them, whole). Every session of the account ends but
    the caller's, if it keeps it (update_session_auth_hash); a reset link already mailed stops
    working. After the commit, the account's failed log-ins are forgotten (the member can log in
    at once with the new password), and the member, when they have an address, is told by email.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise NotAllowed(_("This account is closed."))
    member.set_password(validated_password(new_password, member))
    member.save(update_fields=["password"])
    transaction.on_commit(partial(login_limits.forget_failures, member.handle))
    if member.email:
        with in_language_of(member):
            subject = _("Your Tiwizi password was changed")
            body = render_to_string(
                "accounts/emails/password_changed.txt",
                {
                    "member": member,
                    "how": str(how),
                    "changed_at": timezone.now(),
                    "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
                },
            )
        transaction.on_commit(partial(send_mail, subject, body, None, [member.email]))
    return member


@transaction.atomic
def password_change(*, member, current_password, new_password):
    """A signed-in member's new password, once they typed their current one (the pages use Django's
    PasswordChangeForm for that check, then password_set)."""
    if not member.check_password(current_password or ""):
        raise DomainError(_("This is not your current password."), code="wrong_password", field="current_password")
    return password_set(member=member, new_password=new_password)


# --- A reset link, by email -------------------------------------------------------------------------


def reset_link(member):
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    token = default_token_generator.make_token(member)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


@transaction.atomic
def password_reset_request(*, identifier):
    """Mail a password reset link to the account that `identifier` (a handle, with or without '@',
    or the account's email) names, if it is active and has a confirmed address. Returns nothing,
    and raises nothing, whatever happened: the caller answers RESET_REQUESTED.

    At most settings.RATE_LIMITS["password_reset_account"] emails leave per account: past it the
    request is dropped silently. The email leaves after the commit, to the account's own address
    (never to an address typed that is not the account's), with a link on SITE_URL (never on the
    request's Host, which the client writes).
    """
    member = member_for_identifier(identifier)
    if member is None or not member.is_active or not member.email or not member.has_usable_password():
        return
    if rates.hit(scope="password_reset_account", ident=member.pk, rate=rates.page_rate("password_reset_account")):
        return
    with in_language_of(member):
        subject = _("Choose a new password for Tiwizi")
        body = render_to_string(
            "accounts/emails/password_reset.txt",
            {
                "member": member,
                "reset_url": reset_link(member),
                "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
                "recover_url": settings.SITE_URL + reverse("accounts:recover"),
            },
        )
    transaction.on_commit(partial(send_mail, subject, body, None, [member.email]))


def _linked_member(uid, token):
    """The member a reset link's uid and token name, locked, or a DomainError."""
    invalid = DomainError(
        _(
            "This password reset link does not work: it was used already, is older than a day, "
            "or is incomplete. Ask for a new one."
        ),
        code="invalid_link",
    )
    try:
        pk = int(urlsafe_base64_decode(uid or "").decode())
    except (TypeError, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not 0 < pk < 2**63:
        raise invalid
    member = Member.objects.select_for_update().filter(pk=pk, is_active=True).first()
    if member is None or not default_token_generator.check_token(member, token or ""):
        raise invalid
    return member


@transaction.atomic
def password_reset_confirm(*, uid, token, new_password):
    """Set the new password of the member whose reset link this is; returns the member.

    The token is checked under the member's lock, so that a link used twice at once works once:
    the second finds a password that the token no longer matches.
    """
    member = _linked_member(uid, token)
    return password_set(member=member, new_password=new_password, how=BY_RESET_LINK)


# --- Recovery codes ---------------------------------------------------------------------------------


@transaction.atomic
def recovery_codes_replace(*, member):
    """New recovery codes for the member, replacing all their old ones (used or not); returns them,
    formatted, in the only moment they exist outside the member's hands: only their hashes are kept.
    Under the member's lock, as a recovery is, so that a code cannot be used while it is replaced."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise NotAllowed(_("This account is closed."))
    RecoveryCode.objects.filter(member=member).delete()
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(member=member, code_hash=code_hashes(member.pk, code)[0]) for code in codes]
    )
    return [format_code(code) for code in codes]


def handle_ident(handle):
    """Who the per-handle limit counts: the handle typed (whether or not it exists), lowered and
    hashed, so that no typed text becomes a cache key."""
    return hashlib.sha256(normalize_handle(handle).lower().encode()).hexdigest()[:32]


def password_recover_with_code(*, handle, code, new_password):
    """Give the member `handle` a new password against one of their recovery codes, which is used up;
    returns the member. A wrong handle or code, or a code used already, is one and the same refusal.

    Every try counts against settings.RATE_LIMITS["recovery_handle"] for the handle typed, even one
    that names nobody; past it, TooManyAttempts. The new password is checked before the code, and
    without the member's email (so that a refused password says nothing about the account). The code
    is used up and the password set in one transaction: both happen, or neither.
    """
    rate = rates.page_rate("recovery_handle")
    retry_after = rates.hit(scope="recovery_handle", ident=handle_ident(handle), rate=rate)
    if retry_after is not None:
        raise TooManyAttempts(_("Too many tries of a recovery code for this handle."), retry_after=retry_after)
    handle = normalize_handle(handle)
    validated_password(new_password, Member(handle=handle))
    return _recover(handle=handle, code=normalize_code(code), new_password=new_password)


@transaction.atomic
def _recover(*, handle, code, new_password):
    wrong = DomainError(
        _("This handle and recovery code do not match (or the code was used already)."),
        code="invalid_recovery_code",
        field="recovery_code",
    )
    member = Member.objects.select_for_update().filter(handle__iexact=handle, is_active=True).first()
    if member is None or len(code) != CODE_LENGTH:
        raise wrong
    found = (
        RecoveryCode.objects.filter(member=member, used_at__isnull=True, code_hash__in=code_hashes(member.pk, code))
        .values_list("pk", flat=True)
        .first()
    )
    # Used up by a conditional update: the member's lock already makes tries one at a time, and this
    # keeps "once" true even without it.
    if found is None or RecoveryCode.objects.filter(pk=found, used_at__isnull=True).update(used_at=timezone.now()) != 1:
        raise wrong
    return password_set(member=member, new_password=new_password, how=BY_RECOVERY_CODE)
