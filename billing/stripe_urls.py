"""Pay online (Stripe Checkout) and the Stripe webhook."""

from django.urls import path

from . import stripe_views

urlpatterns = [
    path("invoices/<id:invoice_id>/pay/", stripe_views.pay, name="pay"),
    path("stripe/webhook/", stripe_views.stripe_webhook, name="stripe-webhook"),
]
