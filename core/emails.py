"""The one way our emails are built: a plain-text body and an HTML alternative rendered from
`<template>.txt` and `<template>.html` with the site's address, and the service's subject
prefix. Each app adds its own context (footer links, billing settings) and decides when to
send (accounts' sent-at fields, or `send_once` for a message keyed by what it is about)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from .links import site_url
from .models import SentEmail


def build_email(template, subject, to, context, *, attachments=(), reply_to=None):
    """An unsent message. `template` is a path without its ending, e.g.
    "bookings/email/confirmation"; `attachments` are (name, content, mimetype)."""
    context = {**context, "site_url": site_url()}
    message = EmailMultiAlternatives(
        # allauth's setting, so its own emails (sign-up, password reset) carry the same.
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=_plain_text(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


def _plain_text(name, context):
    """A plain-text body: it holds no HTML, so nothing in it is HTML-escaped ("St Anne's",
    never "St Anne&#x27;s"), whether or not its template remembers to say so."""
    return get_template(name).template.render(Context(context, autoescape=False))


def send_once(key, build):
    """Send the message `build()` returns, unless `key` was sent before. True if sent.
    The SentEmail row is written in the same transaction as the send, so a task that runs
    twice finds the key and sends nothing; `build()` returning None sends nothing."""
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key)
            message = build()
            if message is None:
                transaction.set_rollback(True)
                return False
            message.send()
    except IntegrityError:
        return False
    return True
