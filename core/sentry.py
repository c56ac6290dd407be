"""Optional error reporting to Sentry: on when SENTRY_DSN is set, otherwise nothing is loaded."""


def init_sentry(environ):
    """Start the Sentry SDK from the environment; return whether it was started."""
    dsn = environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    # deferred: the SDK is loaded only when a DSN is set
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environ.get("SENTRY_ENVIRONMENT", "production"),
        release=environ.get("SENTRY_RELEASE") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Teachers' names, emails and IP addresses stay here: Sentry gets the error, not them.
        send_default_pii=False,
        traces_sample_rate=float(environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
    return True
