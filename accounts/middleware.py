"""One rule for staff sign-in: anyone with staff powers must have an authenticator app before
any page that looks at who they are, wherever it lives (the admin, school pages, registers,
invoice PDFs, statements). With one set up, allauth asks for its code at every sign-in."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .permissions import holds_staff_powers

# allauth's own pages (sign in and out, set up the authenticator) and files need no gate.
UNGATED = ("/accounts/", "/static/", "/health/", "/favicon.ico", "/robots.txt")


class AuthenticatorRequired(Exception):
    """Raised when a view reads `request.user` of staff who have no authenticator yet."""


def needs_authenticator(user):
    return user.is_authenticated and holds_staff_powers(user) and not is_mfa_enabled(user)


class StaffMFAMiddleware:
    """The gate closes lazily, when something first reads `request.user`: pages that never
    ask who you are (a full run's "no places left", cached public pages) stay query-free, and
    every page that does ask cannot see staff powers without the authenticator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.ADMIN_MFA_REQUIRED and not request.path.startswith(UNGATED):
            signed_in = request.user
            request.user = SimpleLazyObject(lambda: _gate(signed_in))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AuthenticatorRequired):
            return None
        # Whatever reads the user after this (logging, error reporting) sees nobody.
        request.user = AnonymousUser()
        messages.info(
            request,
            "Set up an authenticator app to continue. Staff accounts can see schools' data.",
        )
        return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")


def _gate(user):
    if needs_authenticator(user):
        raise AuthenticatorRequired
    return user._wrapped if isinstance(user, SimpleLazyObject) else user


class AdminAccessMiddleware:
    """Someone signed in who may not use the admin (Wagtail's access_admin) and opens it is
    told so. Wagtail would send them to sign in, and allauth, seeing them signed in, straight
    back: a loop. Staff with access pass on to the MFA gate and Wagtail's own checks; so does
    anyone not signed in, who is sent to sign in."""

    ADMIN = "/admin/"
    OWN_WAY_OUT = ("/admin/login/", "/admin/logout/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(self.ADMIN) and not path.startswith(self.OWN_WAY_OUT):
            user = request.user
            if user.is_authenticated and not (
                holds_staff_powers(user) and user.has_perm("wagtailadmin.access_admin")
            ):
                return render(request, "accounts/no_admin_access.html", status=403)
        return self.get_response(request)
