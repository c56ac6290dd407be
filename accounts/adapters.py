from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from core.emails import build_email

from .permissions import holds_powers, holds_staff_powers


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        # One person, one account, whatever the capitals (the database agrees).
        return super().clean_email(email).strip().lower()

    def _newcomer_url(self, user):
        """Someone with no school yet goes to find theirs; bookings need one."""
        if user.is_authenticated and not holds_staff_powers(user) and not user.memberships.exists():
            return reverse("accounts:find_school")
        return None

    def get_login_redirect_url(self, request):
        return self._newcomer_url(request.user) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self._newcomer_url(request.user) or super().get_signup_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        return self._newcomer_url(
            email_address.user
        ) or super().get_email_verification_redirect_url(email_address)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's own emails (confirming an address, resetting a password, security
        notices) in the service's layout: allauth's words, our heading, button and footer."""
        request = allauth_context.request
        subject = render_to_string(f"{template_prefix}_subject.txt", context, request)
        text = render_to_string(f"{template_prefix}_message.txt", context, request).strip()
        action = next(
            (
                (context[key], label)
                for key, label in (
                    ("activate_url", "Confirm your email address"),
                    ("password_reset_url", "Choose a new password"),
                )
                if context.get(key)
            ),
            None,
        )
        message = build_email(
            "accounts/email/allauth",
            " ".join(subject.splitlines()).strip(),
            [email] if isinstance(email, str) else email,
            {"message_text": text, "action": action},
        )
        message.extra_headers.update(headers or {})
        return message


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_provider(self, request, provider, client_id=None):
        # A provider's addresses exist whether or not it is configured (settings turn each on
        # by its client id): unconfigured, they are no page rather than a server error.
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404(f"Sign-in with {provider} is not set up here.") from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        return user

    def authenticate_by_email(self, sociallogin):
        """Never sign in to, or connect, an account with powers (a staff group or a role at a
        school or trust) just because a provider says the address matches: its owner signs in
        as usual and connects the provider from their account."""
        found = super().authenticate_by_email(sociallogin)
        if found and holds_powers(found[0]):
            return None
        return found
