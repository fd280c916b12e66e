"""The email a donor gets after pledging, when they gave an address: the same instructions as
the pledge's page (what to send, where, the reference, the deadline). Sent after the pledge's
transaction commits; reads everything again from the pledge's id, so sending it twice sends the
same words."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from donations.giving import instructions_for, project_giving
from donations.models import Pledge
from donations.progress import pledges_with_received


def email_instructions(*, pledge_id):
    """Email the pledge's donor what to do next. False when there is nothing to send or nobody
    to send it to (no address, a .invalid one as the demo's, a card pledge)."""
    pledge = (
        pledges_with_received(Pledge.objects.filter(pk=pledge_id))
        .select_related("donor", "need", "need__project")
        .first()
    )
    if pledge is None or pledge.is_card:
        return False
    email = pledge.donor.email
    # .invalid addresses (the demo's) can never receive mail (RFC 2606).
    if not email or email.endswith(".invalid"):
        return False
    project = pledge.need.project
    # In the donor's language (accounts/languages.py), the instructions' words too.
    with in_language_of(pledge.donor):
        instructions = instructions_for(pledge, project_giving(project=project))
        subject = _("Your pledge %(reference)s to %(project)s: how to send it") % {
            "reference": instructions.reference,
            "project": project.title,
        }
        body = render_to_string(
            "donations/emails/pledge_instructions.txt",
            {
                "pledge": pledge,
                "need": pledge.need,
                "project": project,
                "instructions": instructions,
                "leads": list(project.leads.all()),
                "pledge_url": settings.SITE_URL + reverse("donations:pledge_detail", args=[pledge.pk]),
            },
        )
    send_mail(subject[:200], body, None, [email])
    return True
