"""A receipt after it is issued: its PDF rendered once and stored, the donor emailed a signed
link, and the links themselves (valid for 30 days, without logging in)."""

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from receipts.models import Receipt

# How long the link in a receipt email works (TimestampSigner max_age).
SIGNED_LINK_MAX_AGE = 60 * 60 * 24 * 30

SIGNED_LINK_SALT = "tiwizi.receipt.download"


def receipt_deliver(*, receipt_id):
    """After the commit: render and store the PDF, then email the donor a link, each once.

    Idempotent: the PDF is stored once (receipt_pdf_file) and the email recorded once
    (emailed_at), so delivering again (a retried or redelivered task, a resumed batch) does
    neither twice. The email is recorded after it left: a delivery killed in between sends it
    again when run again (rarely twice, rather than never). Errors are raised (receipts/tasks.py
    retries the transient ones); a receipt whose delivery failed is issued all the same, and its
    PDF is rendered at the first download.
    """
    receipt = Receipt.objects.select_related("donor").get(pk=receipt_id)
    receipt_pdf_file(receipt=receipt)
    if receipt.emailed_at is None and receipt_email_donor(receipt=receipt):
        # Conditional, like the PDF's: two deliveries at once record one date.
        Receipt.objects.filter(pk=receipt.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())


def receipt_pdf_file(*, receipt):
    """The receipt's stored PDF (a FieldFile), rendered and stored first if it has none.

    Rendered once: when two requests render at the same moment, the first to store wins (a
    conditional UPDATE), the other discards its copy, and both return the same bytes.
    """
    if receipt.pdf:
        return receipt.pdf
    from receipts.pdf import render_receipt_pdf

    content = render_receipt_pdf(receipt.snapshot)
    name = receipt.pdf.storage.save(f"{receipt.year}/{receipt.number}-{receipt.code[:8]}.pdf", ContentFile(content))
    stored = Receipt.objects.filter(pk=receipt.pk, pdf="").update(pdf=name)
    if not stored:
        receipt.pdf.storage.delete(name)
    receipt.refresh_from_db(fields=["pdf"])
    return receipt.pdf


def receipt_signed_path(receipt):
    """A download path that works without logging in, for a month: what emails carry."""
    token = signing.TimestampSigner(salt=SIGNED_LINK_SALT).sign(str(receipt.pk))
    return reverse("receipts:signed", kwargs={"token": token})


def receipt_from_signed_token(token):
    """The receipt a signed link points at, or None when the link is forged or expired."""
    try:
        pk = signing.TimestampSigner(salt=SIGNED_LINK_SALT).unsign(token, max_age=SIGNED_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return Receipt.objects.filter(pk=pk).first()


def receipt_email_donor(*, receipt):
    """Email the donor (when they gave an address) a signed link to their receipt."""
    email = receipt.donor.email
    # .invalid addresses (the demo's) can never receive mail (RFC 2606).
    if not email or email.endswith(".invalid"):
        return False
    # In the donor's language; the receipt itself is in the issuer's (receipts/snapshots.py).
    with in_language_of(receipt.donor):
        subject = _("Your receipt %(number)s") % {"number": receipt.number}
        body = _(
            "Thank you for your gift.\n\nYour receipt %(number)s can be downloaded for the next 30 days here:\n"
            "%(link)s\n\nAfterwards, find it under “My pledges” on Tiwizi.\n"
            "Anyone can check it is genuine at %(verify)s"
        ) % {
            "number": receipt.number,
            "link": settings.SITE_URL + receipt_signed_path(receipt),
            "verify": receipt.snapshot["verification_url"],
        }
    send_mail(subject, body, None, [email])
    return True
