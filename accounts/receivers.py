from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from anymail.signals import tracking
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import bounces
from .models import User


@receiver(password_reset)
def reset_link_proves_the_address(sender, request, user, **kwargs):
    """A password-reset key only reaches the account's address, so using it verifies that
    address (invited colleagues set their first password this way)."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


@receiver(tracking)
def mark_bouncing_addresses(sender, event, esp_name, **kwargs):
    """The email provider's delivery events (anymail's tracking webhook) mark or clear a
    person's bouncing address."""
    bounces.record_email_event(
        address=event.recipient,
        event_type=event.event_type,
        occurred_at=event.timestamp,
        reason=event.description or event.mta_response or event.reject_reason or "",
        provider=esp_name,
    )


@receiver(post_save, sender=User)
def changed_address_no_longer_bounces(sender, instance, created, **kwargs):
    loaded = getattr(instance, "loaded_email", None)
    if not created and loaded is not None and loaded != instance.email:
        bounces.forget_old_address(instance)
    instance.loaded_email = instance.email
