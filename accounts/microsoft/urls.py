from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import SchoolMicrosoftProvider

urlpatterns = default_urlpatterns(SchoolMicrosoftProvider)
