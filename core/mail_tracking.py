"""The email provider's tracking webhook: anymail's own views (anymail.urls), mounted by
config.urls only when EMAIL_PROVIDER is set, and answered clearly on bad input.

anymail answers a wrong secret with 400 and a payload it cannot read with 500 (which the
provider retries for days); here a wrong or missing secret is 401 and an unreadable payload
400, and a post's events are recorded together or not at all. What an event means for a
person is heard from anymail's `tracking` signal (accounts.receivers)."""

from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern

app_name = "anymail"  # anymail's URL names, e.g. anymail:postmark_tracking_webhook


def answered_clearly(view):
    @wraps(view)
    def webhook(request, *args, **kwargs):
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            refused = HttpResponse(
                "Wrong or missing webhook credentials.\n", status=401, content_type="text/plain"
            )
            refused["WWW-Authenticate"] = 'Basic realm="email events"'
            return refused
        except (ValueError, KeyError, TypeError, AttributeError):
            # Not JSON, or not the provider's shape: nothing was recorded.
            return HttpResponse(
                "The payload is not a tracking event we can read.\n",
                status=400,
                content_type="text/plain",
            )

    return webhook


def tracking_urlpatterns():
    """anymail's tracking webhooks (inbound mail is not taken), each guarded."""
    return [
        URLPattern(pattern.pattern, answered_clearly(pattern.callback), name=pattern.name)
        for pattern in anymail_urls.urlpatterns
        if isinstance(pattern, URLPattern) and "inbound" not in pattern.name
    ]


urlpatterns = tracking_urlpatterns()
