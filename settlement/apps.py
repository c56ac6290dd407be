from django.apps import AppConfig

from billing import runs


class SettlementConfig(AppConfig):
    """Settles bookings into invoices and credit notes: listens to bookings, writes through
    billing. Billing's invoicing run (admin page, command, beat task) reaches it through the
    registry in billing.runs."""

    name = "settlement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # deferred: receivers and services import models, not ready at import
        from . import receivers, services  # noqa: F401  (receivers connect on import)

        runs.register(services.run_invoicing)
