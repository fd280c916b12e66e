from django.contrib.auth.backends import ModelBackend

from accounts.models import Member, normalize_handle


def is_email(identifier):
    """What the log-in form reads as an email rather than a handle ('@handle' is a handle)."""
    return "@" in identifier[1:]


def member_for_identifier(identifier):
    """The member a log-in identifier names (a handle with or without '@', any case, or the
    account's email), or None. The log-in limits count per this member (accounts/login_limits.py)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if is_email(identifier):
        return Member.objects.filter(email__iexact=identifier).first()
    return Member.objects.filter(handle__iexact=normalize_handle(identifier)).first()


class HandleOrEmailBackend(ModelBackend):
    """Log in with a handle (with or without '@', any case) or with the account's email.

    It comes after axes' backend (settings.AUTHENTICATION_BACKENDS), which refuses a locked-out
    account or address before any password is checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("handle") or "").strip()
        if not identifier or password is None:
            return None
        member = member_for_identifier(identifier)
        if member is None:
            # Hash anyway so that timing does not tell which identifiers exist.
            Member().set_password(password)
            return None
        if member.check_password(password) and self.user_can_authenticate(member):
            return member
        return None
