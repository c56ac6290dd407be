"""What stands between an anonymous public form (enquiries, bespoke support) and the staff
inbox: a honeypot field that people never see, and a rate limit per client, counted by
allauth's rate limiter so the client's IP is read exactly as for sign-in (the trusted proxy
settings, ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER)."""

from allauth.core import ratelimit

# A name a form-filling bot is glad to fill, unlikely to clash with a field editors add.
HONEYPOT = "hp_website"
ACTION = "public_form"  # its rate is ACCOUNT_RATE_LIMITS["public_form"]
TOO_MANY = (
    "Too many forms have been sent from your connection in the last few minutes, so this one "
    "was not sent. Please wait ten minutes and try again, or email us instead."
)


def is_bot(request):
    """A filled honeypot: the sender is answered as if it worked, and nothing is kept."""
    return bool(request.POST.get(HONEYPOT, "").strip())


def may_submit(request):
    """Counts one submission from this client; False once over the limit."""
    return ratelimit.consume(request, action=ACTION)
