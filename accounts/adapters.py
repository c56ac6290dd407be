from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        # One person, one account, whatever the capitals (the database agrees).
        return super().clean_email(email).strip().lower()

    def get_login_redirect_url(self, request):
        """Send newcomers to find their school; everyone else where they were going."""
        user = request.user
        if user.is_authenticated and not user.is_staff and not user.memberships.exists():
            from django.urls import reverse

            return reverse("accounts:find_school")
        return super().get_login_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower()
        return user
