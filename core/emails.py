"""The one way our emails are built: a plain-text body and an HTML alternative rendered from
`<template>.txt` and `<template>.html` with the site's address, and the service's subject
prefix. Every template extends the one layout (`email/base.html`, `email/base.txt` in site/):
the service's name, a heading, the main action as a button, the service's contact and why the
person got it, in the colour of the strand the email is about (`accent`). The HTML's CSS is
inlined, as many mail clients drop a <style> block. Each app adds its own context (footer
links, billing settings) and decides when to send (accounts' sent-at fields, or `send_once`
for a message keyed by what it is about)."""

import re

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from .contact import service_contact_email
from .links import site_url
from .models import SentEmail

# The site's brand blue (site.css `--brand`): the layout's colour when no strand is named.
BRAND_COLOUR = "#0b3b60"


def build_email(template, subject, to, context, *, attachments=(), reply_to=None, accent=None):
    """An unsent message. `template` is a path without its ending, e.g.
    "bookings/email/confirmation"; `attachments` are (name, content, mimetype); `accent` is
    the colour of the strand the email is about (a hex value carrying white text)."""
    context = {
        **context,
        "site_url": site_url(),
        "subject": subject,
        "service_name": settings.WAGTAIL_SITE_NAME,
        # an app may name its own (billing: the finance office's address)
        "contact_email": context.get("contact_email") or service_contact_email(),
        "accent": accent or BRAND_COLOUR,
    }
    message = EmailMultiAlternatives(
        # allauth's setting, so its own emails (sign-up, password reset) carry the same.
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=_plain_text(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(_html(f"{template}.html", context), "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message


def _html(name, context):
    """The HTML part, its stylesheet written onto each element (mail clients drop <style>)."""
    return css_inline.inline(render_to_string(name, context))


def _plain_text(name, context):
    """A plain-text body: it holds no HTML, so nothing in it is HTML-escaped ("St Anne's",
    never "St Anne&#x27;s"), whether or not its template remembers to say so."""
    text = get_template(name).template.render(Context(context, autoescape=False))
    # the layout's blocks leave blank lines where a message has nothing to say
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


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
