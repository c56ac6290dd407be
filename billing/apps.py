from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Money: prices, credit, invoices, credit notes, payments. It reads no booking: settlement
    (a layer above) hears of places and settles them through billing.services."""

    name = "billing"
