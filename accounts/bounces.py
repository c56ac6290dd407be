"""Addresses that bounce, from the email provider's tracking events (accounts.receivers).

A bounce, a refusal or a spam complaint marks the person whose address it is; a later delivery
to that address, or the person changing their address, clears the mark. Events arrive out of
order, so an older event never overrides a newer one."""

from django.db import transaction
from django.utils import timezone

from .models import EmailBounce, User

# anymail's normalised event types (anymail.signals.EventType) that mark or clear an address.
MARKING = {
    "bounced": EmailBounce.Kind.BOUNCED,
    "complained": EmailBounce.Kind.COMPLAINED,
    "rejected": EmailBounce.Kind.REJECTED,
}
CLEARING = {"delivered"}
REASON_LENGTH = EmailBounce._meta.get_field("reason").max_length


def record_email_event(*, address, event_type, occurred_at, reason="", provider=""):
    """Mark or clear the person at `address`. Returns the bounce now on record, or None."""
    address = (address or "").strip().lower()
    occurred_at = occurred_at or timezone.now()
    if not address or (event_type not in MARKING and event_type not in CLEARING):
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=address).first()
        if user is None:
            return None
        bounce = EmailBounce.objects.filter(user=user, address=address).first()
        if event_type in CLEARING:
            if bounce and occurred_at >= bounce.occurred_at:
                bounce.delete()
                return None
            return bounce
        if bounce and occurred_at < bounce.occurred_at:
            return bounce
        bounce, _ = EmailBounce.objects.update_or_create(
            user=user,
            defaults={
                "address": address,
                "kind": MARKING[event_type],
                "reason": (reason or "")[:REASON_LENGTH],
                "occurred_at": occurred_at,
                "provider": provider[:40],
            },
        )
        return bounce


def forget_old_address(user):
    """A person who changed their address no longer bounces at the old one."""
    EmailBounce.objects.filter(user=user).exclude(address=user.email).delete()
