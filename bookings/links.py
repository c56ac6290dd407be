"""Signed, expiring links that act without a password: accepting a waiting-list offer."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "bookings.offer"


def offer_acceptance_url(entry):
    token = signing.dumps({"entry": entry.pk, "at": entry.offered_at.isoformat()}, salt=SALT)
    return reverse("bookings:accept_offer", args=[token])


def offer_from_token(token):
    """The (entry id, offered-at) the token names, or (None, None) if forged or out of date."""
    max_age = settings.WAITING_LIST_OFFER_HOURS * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None, None
    return data.get("entry"), data.get("at")
