from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse


class AdminMFAMiddleware:
    """Staff must have an authenticator app set up before they may use the Wagtail admin.
    With one set up, allauth asks for its code at every sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.ADMIN_MFA_REQUIRED
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user):
                messages.info(
                    request,
                    "Set up an authenticator app to use the admin. It protects schools' data.",
                )
                return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
