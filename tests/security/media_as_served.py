"""The site's URLs plus MEDIA_ROOT served at MEDIA_URL to anyone, as docs/deploy.md's CDN in
front of the media storage serves it: whatever is in public media is public."""

from django.conf import settings
from django.urls import include, re_path
from django.views.static import serve


def _public_media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", _public_media),
    re_path(r"", include("config.urls")),
]
