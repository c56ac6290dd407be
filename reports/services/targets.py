"""Service managers' buy-in targets: set one for a scope and year, or take it away."""

from django.db import transaction

from ..models import BuyInTarget


def set_buy_in_target(year, *, percent, local_authority=None, phase="", trust=None):
    """The target for this scope and year, replacing any it had (one per scope a year)."""
    scope = {"local_authority": local_authority, "phase": phase, "trust": trust}
    with transaction.atomic():
        target, _ = BuyInTarget.objects.update_or_create(
            start_year=year.start_year, **scope, defaults={"percent": percent}
        )
    return target


def remove_buy_in_target(target):
    target.delete()
