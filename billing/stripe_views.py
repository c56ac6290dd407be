"""Paying online: the "Pay online" button and Stripe's webhook. Thin: stripe_gateway does it."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import access, stripe_gateway
from .services import BillingError

log = logging.getLogger(__name__)


@login_required
@require_POST
def pay(request, invoice_id):
    """Send the payer to a Stripe Checkout page for what the invoice still owes."""
    invoice = access.invoice_or_404(request.user, invoice_id)  # who may see it may pay it
    try:
        checkout = stripe_gateway.start_checkout(invoice, by=request.user)
    except BillingError as refusal:
        messages.error(request, str(refusal))
        return redirect(stripe_gateway.invoice_path(invoice.pk))
    return HttpResponseRedirect(checkout.url, status=303)


@csrf_exempt  # Stripe signs the body instead
@require_POST
def stripe_webhook(request):
    try:
        outcome = stripe_gateway.handle_webhook(
            request.body, request.headers.get("Stripe-Signature", "")
        )
    except stripe_gateway.WebhookRefused as refusal:
        log.warning("Stripe webhook refused: %s", refusal)
        return HttpResponseBadRequest(f"Refused: {refusal}", content_type="text/plain")
    except stripe_gateway.WebhookFailed:
        return HttpResponse("Not processed; please retry.", status=503, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
