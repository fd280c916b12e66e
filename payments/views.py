"""Card payments through Stripe Checkout: the donor's pay and return pages, a lead's refund page,
and the webhook Stripe calls. The rules are in checkout.py, refunds.py and webhooks.py; nothing here marks anything
paid (only a verified webhook, or `stripe_reconcile` asking Stripe, does).
"""

import logging
import uuid

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotAllowed, add_to_form
from donations.models import Pledge
from donations.progress import pledges_with_received
from payments.checkout import PAYABLE_PROJECT_STATUSES, checkout_start
from payments.forms import CardRefundForm
from payments.models import CardPayment
from payments.money import from_minor_units
from payments.permissions import can_refund_card_payment
from payments.refunds import refund_card_payment, refundable_payments
from payments.stripe_api import PaymentUnavailable, card_payments_enabled
from payments.webhooks import SignedInTheFuture, event_from_body, verify_signature, webhook_process
from projects.page_access import visible_project

logger = logging.getLogger(__name__)


def _donor_pledge(request, pledge_id):
    # Someone else's pledge does not exist on these pages.
    return get_object_or_404(
        Pledge.objects.select_related("need__project"), pk=pledge_id, donor=request.user, channel=Pledge.Channel.CARD
    )


@login_required
def card_pay(request, pledge_id):
    pledge = _donor_pledge(request, pledge_id)
    if request.method == "POST":
        return_url = request.build_absolute_uri(reverse("payments:card_return", args=[pledge.pk]))
        cancel_url = request.build_absolute_uri(reverse("payments:card_pay", args=[pledge.pk])) + "?cancelled=1"
        try:
            checkout_url = checkout_start(
                pledge=pledge, actor=request.user, success_url=return_url, cancel_url=cancel_url
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            response = HttpResponse(status=303)  # See Other: the browser GETs Stripe's page
            response["Location"] = checkout_url
            return response
    latest = pledge.card_payments.order_by("-created_at", "-id").first()
    return render(
        request,
        "payments/card_pay.html",
        {
            "pledge": pledge,
            "need": pledge.need,
            "project": pledge.need.project,
            "latest": latest,
            "payable": (
                card_payments_enabled()
                and pledge.status == Pledge.Status.PLEDGED
                and pledge.need.project.status in PAYABLE_PROJECT_STATUSES
                and not (latest and latest.status == CardPayment.Status.PROCESSING)
            ),
            "cancelled": bool(request.GET.get("cancelled")),
            "statuses": CardPayment.Status,
        },
    )


@login_required
def card_return(request, pledge_id):
    """Where Stripe sends the donor back. It only reads: the webhook decides."""
    pledge = _donor_pledge(request, pledge_id)
    latest = pledge.card_payments.order_by("-created_at", "-id").first()
    status = latest.status if latest else None
    return render(
        request,
        "payments/card_return.html",
        {
            "pledge": pledge,
            "project": pledge.need.project,
            "latest": latest,
            "confirmed": latest is not None and latest.is_counted,
            # Refresh while Stripe's word is awaited; a bank debit (processing) takes days.
            "waiting": status == CardPayment.Status.PENDING,
            "statuses": CardPayment.Status,
        },
    )


@login_required
def card_refund(request, slug, pledge_id):
    project = visible_project(request, slug)
    pledge = get_object_or_404(
        pledges_with_received(Pledge.objects.select_related("need", "donor").prefetch_related("receptions")),
        pk=pledge_id,
        need__project=project,
        channel=Pledge.Channel.CARD,
    )
    pledge.need.project = project
    if not can_refund_card_payment(request.user, pledge):
        raise PermissionDenied
    pledge.shown_donor = pledge.donor_shown_to(request.user)
    refundable = refundable_payments(pledge=pledge)
    forms = []
    posted = None
    if request.method == "POST":
        posted = CardRefundForm(request.POST)
        if posted.is_valid():
            payment = next((p for p in refundable if p.pk == posted.cleaned_data["payment"]), None)
            if payment is None:
                posted.add_error(None, _("This payment cannot be refunded."))
            else:
                try:
                    refund_request = refund_card_payment(
                        payment=payment,
                        actor=request.user,
                        amount=posted.cleaned_data["amount"],
                        token=posted.cleaned_data["token"],
                    )
                except NotAllowed as error:
                    raise PermissionDenied(error.message) from error
                except DomainError as error:
                    add_to_form(posted, error)
                else:
                    if refund_request.counted:
                        messages.success(request, _("The refund is made: the donor gets the money back from Stripe."))
                    else:
                        # Made at Stripe; the project was locked: its webhook or reconcile counts it.
                        messages.info(request, _("Stripe has the refund; it will show in a minute."))
                    return redirect("pages:dashboard", slug=project.slug)
    for payment in refundable:
        if posted is not None and posted.data.get("payment") == str(payment.pk):
            form = posted
        else:
            amount = from_minor_units(payment.refundable_minor, payment.currency)
            form = CardRefundForm(initial={"payment": payment.pk, "token": uuid.uuid4(), "amount": f"{amount:f}"})
        forms.append((payment, form))
    return render(
        request,
        "payments/card_refund.html",
        {"project": project, "pledge": pledge, "forms": forms, "refused_status": CardPayment.Status.REFUSED},
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify, record, apply, answer. 400 for what Stripe did not sign (nothing changes); 503 when
    a lock or Stripe itself makes us wait, so that Stripe delivers again later."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set: it cannot be verified")
        return HttpResponse(status=503)
    try:
        # What Webhook.construct_event checks (HMAC of "t.body" with the secret, within 300 s), on
        # the raw body, and no more than 5 minutes ahead; then the event's shape, checked in one
        # place before anything runs (construct_event crashes on a signed body that is JSON but
        # not an object).
        verify_signature(body=request.body, header=request.headers.get("Stripe-Signature", ""), secret=secret)
        event = event_from_body(request.body)
    except SignedInTheFuture as error:
        # Stripe's own retries come with a fresh timestamp: say why, for whoever reads its log.
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    except (ValueError, stripe.SignatureVerificationError) as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest()
    try:
        outcome = webhook_process(event=event)
    except (OperationalError, PaymentUnavailable) as error:
        logger.warning("Stripe event %s not applied yet (%r): Stripe will deliver it again", event["id"], error)
        response = HttpResponse(status=503)
        response["Retry-After"] = "60"
        return response
    return HttpResponse(outcome, content_type="text/plain")
