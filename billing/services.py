"""Billing use cases. Pricing lives here alone: everything that needs a price asks price_for()."""

from decimal import Decimal


def price_for(school, run):
    """What `school` pays, before VAT, for one place on `run`.

    Price bands, packages and credits arrive with the billing issue; until then every school
    pays the run's own price (its override, else the course's default)."""
    return Decimal(run.price).quantize(Decimal("0.01"))
