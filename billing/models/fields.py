"""Money in the database: pounds to the penny, and the field every amount uses."""

from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


# "gross = net + VAT" is checked with ROUND(…, 2): exact on PostgreSQL's numeric, and on
# SQLite, which keeps decimals as binary floats, it still compares like for like.
PENNY = Decimal("0.01")


def money_field(**kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)
