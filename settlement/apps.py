from django.apps import AppConfig


class SettlementConfig(AppConfig):
    """Settles bookings into invoices and credit notes: listens to bookings, writes through
    billing. Billing's invoicing run (admin page, command, beat task) reaches it through the
    registry in billing.runs."""

    name = "settlement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from billing import runs

        from . import receivers, services  # noqa: F401  (receivers connect on import)

        runs.register(services.run_invoicing)
