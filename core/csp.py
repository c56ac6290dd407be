"""Content Security Policy and Permissions-Policy headers.

Two policies: the public site's, which allows scripts only from our own origin (no
'unsafe-inline', no 'unsafe-eval'), and the Wagtail admin's, which must also allow the inline
scripts Wagtail's own templates still print (inline panels, date pickers, workflow dialogs).
The admin's policy is sent only under the admin's URL prefix.

A view that truly needs an inline script prints `nonce="{{ request.csp_nonce }}"` on it; the
nonce is added to the header only when a template used it. Public pages print none, so a cached
page never carries a stale nonce.
"""

import secrets

from django.conf import settings
from django.urls import reverse


class _Nonce:
    """A per-request nonce, made the first time a template prints it."""

    def __init__(self):
        self.value = None

    def __str__(self):
        if self.value is None:
            self.value = secrets.token_urlsafe(18)
        return self.value

    @property
    def used(self):
        return self.value is not None


def header_value(policy, nonce=None, report_uri=""):
    """Render a {directive: [sources]} dict as a header value; a used nonce joins script-src."""
    parts = []
    for directive, sources in policy.items():
        sources = list(sources)
        if directive == "script-src" and nonce is not None:
            sources.append(f"'nonce-{nonce}'")
        parts.append(" ".join([directive, *sources]).strip())
    if report_uri:
        parts.append(f"report-uri {report_uri}")
    return "; ".join(parts)


def _admin_prefix():
    return reverse("wagtailadmin_home")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        request.csp_nonce = _Nonce()
        response = self.get_response(request)
        if self.admin_prefix is None:
            self.admin_prefix = _admin_prefix()
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = header_value(
                self.policy_for(request),
                nonce=request.csp_nonce.value,
                report_uri=settings.CSP_REPORT_URI,
            )
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allow)})"
                for feature, allow in settings.PERMISSIONS_POLICY.items()
            )
        return response

    def policy_for(self, request):
        if request.path.startswith(self.admin_prefix):
            return settings.CSP_ADMIN
        if getattr(request, "is_dummy", False):
            # Wagtail renders a preview through a dummy request for the page's own URL: it
            # gets the public policy, so previews show what visitors will get, but the
            # editor's preview panel may frame it.
            return {**settings.CSP_PUBLIC, "frame-ancestors": ["'self'"]}
        return settings.CSP_PUBLIC
