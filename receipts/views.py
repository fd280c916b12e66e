"""Receipt pages: the public verification page, downloads, and the donor's legal identity.

Downloads answer 404, never 403, to anyone who may not have the receipt: that a receipt exists
under some id is itself none of their business.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import DomainError, add_to_form
from receipts import services
from receipts.delivery import receipt_from_signed_token, receipt_pdf_file
from receipts.forms import TaxIdentityForm
from receipts.models import DonorTaxIdentity, Receipt
from receipts.permissions import can_download_receipt
from receipts.selectors import receipt_public_view

# A code is URL-safe base64 (models.new_receipt_code). Anything else is no receipt, and is never
# sent to the database: PostgreSQL refuses a NUL byte in a query.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")


def receipt_verify(request, code):
    """Anyone holding a receipt checks it here: genuine, valid or void, and what it says —
    number, dates, issuer, projects, amounts or items, never the donor."""
    receipts = Receipt.objects.select_related("issuer", "replaced_by", "replaced_by_yearly")
    receipt = receipts.filter(code=code).first() if CODE_PATTERN.fullmatch(code) else None
    if receipt is None:
        return render(request, "receipts/not_found.html", {"code": code}, status=404)
    return render(
        request,
        "receipts/verify.html",
        {"receipt": receipt, "public": receipt_public_view(receipt)},
    )


def _pdf_response(receipt):
    pdf = receipt_pdf_file(receipt=receipt)
    response = FileResponse(pdf.open("rb"), content_type="application/pdf", filename=f"{receipt.number}.pdf")
    # Legal names inside: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def receipt_download(request, receipt_id):
    receipt = (
        Receipt.objects.select_related("issuer__community", "pledge__need__project")
        .prefetch_related("pledge__need__project__leads")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None or not can_download_receipt(request.user, receipt):
        raise Http404
    return _pdf_response(receipt)


def receipt_download_signed(request, token):
    """The link in a receipt email: works without logging in, until it expires."""
    receipt = receipt_from_signed_token(token)
    if receipt is None:
        return render(request, "receipts/link_expired.html", status=404)
    return _pdf_response(receipt)


@never_cache
@login_required
def tax_identity(request):
    """A donor gives (or withdraws) the legal name and address their receipts should carry."""
    identity = DonorTaxIdentity.objects.filter(member=request.user).first()
    form = TaxIdentityForm(request.POST or None, instance=identity)
    if request.method == "POST":
        if "remove" in request.POST:
            services.tax_identity_remove(member=request.user)
            messages.success(request, _("Your legal name and address are removed: new receipts show your handle."))
            return redirect("pages:my_pledges")
        if form.is_valid():
            try:
                services.tax_identity_save(member=request.user, **form.cleaned_data)
            except DomainError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Saved: your receipts will carry your legal name and address."))
                return redirect("pages:my_pledges")
    return render(request, "receipts/tax_identity.html", {"form": form, "identity": identity})
