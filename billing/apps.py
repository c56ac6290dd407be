from django.apps import AppConfig
from django.db.models.signals import post_save


class BillingConfig(AppConfig):
    """Money: prices, credit, invoices, credit notes, payments. It reads no booking: settlement
    (a layer above) hears of places and settles them through billing.services."""

    name = "billing"

    def ready(self):
        # deferred: models need the app registry, and metrics reads them, not ready at import
        from core import metrics

        from .models import Payment

        post_save.connect(metrics.payment_saved, sender=Payment, dispatch_uid="metrics-payment")
