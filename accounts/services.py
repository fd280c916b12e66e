"""Writes on members: signing up, attaching an email address, and the API's own rows (members'
tokens). Deleting an account is accounts/privacy.py."""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import languages
from accounts.models import SHOWN_CHARACTERS, TOKEN_PREFIX, ApiToken, Member, hash_token, new_raw_token
from core.errors import DomainError, NotAllowed

# How long the link that attaches an address to an account works.
EMAIL_LINK_MAX_AGE = 3 * 24 * 3600
EMAIL_LINK_SALT = "accounts.email_attach"


@transaction.atomic
def member_sign_up(*, handle, password, email=None, language=None):
    """A new member with this handle and password, speaking `language` (the one they signed up in:
    the request's); returns it.

    An email address given is not attached yet: email_attach_request mails the address, and it
    is attached once its owner follows the link. So neither the sign-up's answer nor the new
    account (its page, /api/v1/me/) tells whether another account has that address.
    """
    try:
        with transaction.atomic():
            member = Member.objects.create_user(handle, password, language=languages.supported(language) or "")
    except IntegrityError:
        # A look-alike was taken between the form's check and this insert: the database decided.
        raise DomainError(_("This handle was taken a moment ago. Please choose another."), field="handle") from None
    if email:
        email_attach_request(member=member, email=email)
    return member


def _normalised_email(email):
    return Member.objects.normalize_email((email or "").strip()).lower()


@transaction.atomic
def email_attach_request(*, member, email):
    """Ask to attach `email` to the member's account, saying nothing about other accounts.

    Exactly one email leaves, after the commit, whether or not the address is free: when it is,
    a link that attaches it (email_attach_confirm); when another account has it, a notice to
    that account's owner, naming their own handle (they own the mailbox), that someone tried
    to use it. The member who asked is told the same in both cases, by the caller.
    """
    email = _normalised_email(email)
    owner = Member.objects.filter(email__iexact=email).exclude(pk=member.pk).only("handle", "language").first()
    # In the language of whoever owns the mailbox (accounts/languages.py).
    with languages.in_language_of(owner or member):
        template, subject, context = _attach_email(member, owner, email)
        body = render_to_string(template, context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def _attach_email(member, owner, email):
    if owner is not None:
        template, subject = "accounts/emails/email_taken.txt", _("Someone tried to use your address on Tiwizi")
        context = {"owner": owner, "login_url": settings.SITE_URL + reverse("accounts:login")}
    else:
        token = signing.dumps({"member": member.pk, "email": email}, salt=EMAIL_LINK_SALT)
        template, subject = "accounts/emails/email_confirm.txt", _("Confirm your address on Tiwizi")
        context = {
            "member": member,
            "confirm_url": settings.SITE_URL + reverse("accounts:email_confirm", args=[token]),
            "days": EMAIL_LINK_MAX_AGE // (24 * 3600),
        }
    return template, subject, context


def email_link_read(token):
    """(member, email) that a link from email_attach_request asks to attach, or a DomainError."""
    try:
        payload = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.BadSignature:
        raise DomainError(_("This link does not work (it may be older than a few days). Ask for a new one.")) from None
    member = Member.objects.filter(pk=payload.get("member"), is_active=True).first()
    if member is None:
        raise DomainError(_("This link does not work: its account no longer exists."))
    return member, payload["email"]


@transaction.atomic
def email_attach_confirm(*, token):
    """Attach the address that the link's token carries to its account; returns the member.
    Following the link twice is once. The unique constraint decides if another account took the
    address meanwhile."""
    member, email = email_link_read(token)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.email == email:
        return member
    member.email = email
    try:
        with transaction.atomic():
            member.save(update_fields=["email"])
    except IntegrityError:
        raise DomainError(_("Another account already uses this address.")) from None
    return member


@transaction.atomic
def email_remove(*, member):
    """The member keeps no address: no more mail, no logging in by email."""
    Member.objects.filter(pk=member.pk).update(email=None)


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


def member_language_set(*, member, language):
    """The member's language for their pages and emails: one the site speaks, else a DomainError."""
    code = languages.supported(language)
    if code is None or code != language:
        raise DomainError(_("Choose one of the site's languages."), field="language")
    Member.objects.filter(pk=member.pk).update(language=code)
    member.language = code
    return member
