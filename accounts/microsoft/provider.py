from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.microsoft.provider import MicrosoftGraphProvider
from django.conf import settings

from .views import CLAIMS, SchoolMicrosoftAdapter


def vouched_for(claims):
    """Microsoft vouches for the address: the domain owner verified it, or the tenant is one
    the council trusts (its own, its schools')."""
    if claims.get("xms_edov") in (True, 1, "1", "true", "True"):
        return True
    tenant = str(claims.get("tid") or "").lower()
    return bool(tenant) and tenant in settings.MICROSOFT_TRUSTED_TENANTS


class SchoolMicrosoftProvider(MicrosoftGraphProvider):
    oauth2_adapter_class = SchoolMicrosoftAdapter

    def get_default_scope(self):
        return ["openid", "email", "profile", "User.Read"]

    def extract_email_addresses(self, data):
        email = data.get("mail") or data.get("userPrincipalName")
        if not email:
            return []
        verified = vouched_for(data.get(CLAIMS) or {})
        return [EmailAddress(email=email.lower(), verified=verified, primary=True)]


provider_classes = [SchoolMicrosoftProvider]
