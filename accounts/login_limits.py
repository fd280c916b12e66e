"""Log-in limits: django-axes counts failed log-ins per account and per address (settings AXES_*,
README "Limits"); these are the parts of it that are Tiwizi's.

- Who an attempt is for: one account, however it was typed (handle in any case, with or without
  '@', or the account's email), so that changing the spelling does not start a new count.
- Where it comes from: core/rates.py's address, through our own proxies only (NUM_PROXIES), so
  that a spoofed X-Forwarded-For does not start a new count either.
- What a locked-out visitor sees: the site's 429 page, in their language, saying when to retry.
"""

from axes import utils as axes_utils
from django.conf import settings
from django.utils.translation import gettext as _

from accounts.backends import is_email, member_for_identifier
from accounts.models import normalize_handle
from core import rates


def login_identity(request, credentials):
    """The account an attempt counts against (AXES_USERNAME_CALLABLE): '@' and the handle of the
    member the identifier names, or '@' and the identifier as typed, lowered, when it names nobody
    (so that nobody learns which exist: both are counted alike). The '@' keeps it apart from an
    address: typing someone's address as the handle does not lock that address out."""
    identifier = ((credentials or {}).get("username") or "").strip()
    if not identifier:
        return None
    member = member_for_identifier(identifier)
    if member is not None:
        return "@" + member.handle.lower()
    return "@" + (identifier if is_email(identifier) else normalize_handle(identifier)).lower()


def locked_out(request, original_response=None, credentials=None):
    """The answer to a locked-out log-in (AXES_LOCKOUT_CALLABLE): a 429 page in the visitor's
    language. Every attempt while locked out starts the cool-off again
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait is the whole cool-off."""
    retry_after = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = _("Too many failed log-ins, for this account or from this address.")
    return rates.too_many_requests(request, retry_after, message=message)


def forget_failures(handle):
    """Forget the failed log-ins counted against the account (after its password changed: whoever
    set it may log in with it at once). Those counted against the addresses stay."""
    axes_utils.reset(username="@" + handle.lower())
