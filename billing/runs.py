"""The monthly invoicing run is settlement's (it reads bookings); billing's admin page, command
and beat task start it through here. Settlement registers it in its AppConfig.ready()."""

_run = None


def register(run):
    global _run
    _run = run


def run_invoicing(period, **kwargs):
    """services.InvoicingReport for `period` ('YYYY-MM'); see settlement.services."""
    if _run is None:
        raise RuntimeError("No invoicing run is registered: is the settlement app installed?")
    return _run(period, **kwargs)
