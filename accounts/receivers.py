from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.dispatch import receiver


@receiver(password_reset)
def reset_link_proves_the_address(sender, request, user, **kwargs):
    """A password-reset key only reaches the account's address, so using it verifies that
    address (invited colleagues set their first password this way)."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
