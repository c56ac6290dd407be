"""Paying online: the "Pay online" button and Stripe's webhook. Thin: stripe_gateway does it."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import TrustMembership
from accounts.permissions import FINANCE, HEADTEACHER, is_service_staff, schools_for

from . import stripe_gateway
from .models import Invoice
from .services import BillingError

log = logging.getLogger(__name__)


def payable_invoices(user):
    """Invoices `user` may pay: a school's (or its consortium's) for its finance contacts and
    headteacher, a centrally billed trust's for the trust's finance contacts, and any for
    staff with billing permission."""
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if user.has_perm("billing.view_invoice"):
        return Invoice.objects.all()
    if is_service_staff(user):
        return Invoice.objects.none()  # council staff see invoices only with billing permission
    schools = schools_for(user, FINANCE, HEADTEACHER).values("pk")
    trusts = TrustMembership.objects.filter(user=user, is_finance=True).values("trust")
    return Invoice.objects.filter(
        Q(account__school__in=schools)
        | Q(account__trust__in=trusts)
        | Q(account__consortium__schools__in=schools)
    ).distinct()


def payable_invoice_or_404(user, invoice_id):
    invoice = payable_invoices(user).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("No such invoice")
    return invoice


@login_required
@require_POST
def pay(request, invoice_id):
    """Send the payer to a Stripe Checkout page for what the invoice still owes."""
    invoice = payable_invoice_or_404(request.user, invoice_id)
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
