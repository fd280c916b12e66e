"""The email a member gets when invited to co-lead a project, when they gave an address. Sent after
the invitation's transaction commits; reads everything again from the invitation's id.

In the invited member's language (accounts/languages.py). A member receives at most
settings.RATE_LIMITS["invitation_email"] of them, whoever invites them: nobody can fill a
member's inbox through invitations.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from core import rates
from projects.models import LeadInvitation

logger = logging.getLogger(__name__)


def email_invitation(*, invitation_id):
    """Email the invited member where to answer. False when nothing was sent: the invitation is no
    longer open, the member has no address (or a .invalid one, as the demo's), or they got their
    share of invitation emails already."""
    invitation = (
        LeadInvitation.objects.open().select_related("project", "member", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return False
    email = invitation.member.email
    # .invalid addresses (the demo's) can never receive mail (RFC 2606).
    if not email or email.endswith(".invalid"):
        return False
    if rates.hit(scope="invitation_email", ident=invitation.member_id, rate=rates.page_rate("invitation_email")):
        return False
    project = invitation.project
    with in_language_of(invitation.member):
        subject = _("Co-lead %(project)s on Tiwizi?") % {"project": project.title}
        body = render_to_string(
            "projects/emails/lead_invitation.txt",
            {
                "invitation": invitation,
                "project": project,
                "inviter": invitation.invited_by.public_handle if invitation.invited_by else None,
                "invitations_url": settings.SITE_URL + reverse("projects:my_invitations"),
            },
        )
    try:
        send_mail(subject.replace("\n", " ")[:200], body, None, [email])
    except (smtplib.SMTPException, OSError):
        # The invitation stands, and is listed on the member's invitations page: an email that did
        # not leave is logged, not an error for the lead who invited.
        logger.exception("The invitation email %s could not be sent", invitation_id)
        return False
    return True
