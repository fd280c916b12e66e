from django.contrib.auth.backends import ModelBackend

from accounts.models import Member, normalize_handle


class HandleOrEmailBackend(ModelBackend):
    """Log in with a handle (with or without '@', any case) or with the account's email."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("handle") or "").strip()
        if not identifier or password is None:
            return None
        if "@" in identifier[1:]:
            member = Member.objects.filter(email__iexact=identifier).first()
        else:
            member = Member.objects.filter(handle__iexact=normalize_handle(identifier)).first()
        if member is None:
            # Hash anyway so that timing does not tell which identifiers exist.
            Member().set_password(password)
            return None
        if member.check_password(password) and self.user_can_authenticate(member):
            return member
        return None
