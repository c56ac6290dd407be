"""The sign-in backends, each loading the signed-in user with their staff powers in the same
query. Every signed-in request asks the staff-MFA gate (accounts.middleware) whether the person
holds staff powers; read apart, that was a second query on every page. The rule itself is
accounts.permissions.staff_powers, read fresh with the user on every request as before."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User
from .permissions import staff_powers


def _user_with_powers(backend, user_id):
    user = User._default_manager.annotate(staff_powers_now=staff_powers()).filter(pk=user_id)
    user = user.first()
    if user is None or not backend.user_can_authenticate(user):
        return None
    user._holds_staff_powers = user.staff_powers_now  # what holds_staff_powers() remembers
    return user


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return _user_with_powers(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return _user_with_powers(self, user_id)
