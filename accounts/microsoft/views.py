import base64
import binascii
import json

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.microsoft.views import (
    MicrosoftGraphOAuth2Adapter,
    _check_errors,
)
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

CLAIMS = "id_token_claims"  # where the token's claims sit in the account's extra_data


def id_token_claims(token_response, client_id):
    """The claims of the ID token that came straight from Microsoft's token endpoint over TLS
    (OpenID Connect Core 3.1.3.7 lets TLS stand in for the signature there), provided it was
    issued to this app. Anything malformed gives no claims, so nothing is vouched for."""
    raw = (token_response or {}).get("id_token") or ""
    try:
        payload = raw.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    if not isinstance(claims, dict) or claims.get("aud") != client_id:
        return {}
    return {key: claims[key] for key in ("tid", "xms_edov", "iss") if key in claims}


class SchoolMicrosoftAdapter(MicrosoftGraphOAuth2Adapter):
    def complete_login(self, request, app, token, **kwargs):
        headers = {"Authorization": f"Bearer {token.token}"}
        with get_adapter().get_requests_session() as session:
            response = session.get(
                self.profile_url, params=self.profile_url_params, headers=headers
            )
            profile = _check_errors(response)
        profile[CLAIMS] = id_token_claims(kwargs.get("response"), app.client_id)
        return self.get_provider().sociallogin_from_response(request, profile)


oauth2_login = OAuth2LoginView.adapter_view(SchoolMicrosoftAdapter)
oauth2_callback = OAuth2CallbackView.adapter_view(SchoolMicrosoftAdapter)
