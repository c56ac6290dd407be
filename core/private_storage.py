"""Where financial documents (invoice and credit-note PDFs) are kept: the "private" storage,
never the public media that a CDN serves. On disk it lives under PRIVATE_MEDIA_ROOT, outside
MEDIA_ROOT, and has no URL at all; in object storage it is a private bucket whose URLs are
signed and expire within minutes (config/settings/production.py). Either way a document
leaves only through a view that checks who is asking (billing.views, billing.admin_views)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages


def private_storage():
    """The FileField `storage` callable: resolved when used, so settings decide the backend."""
    return storages["private"]


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on the local disk under PRIVATE_MEDIA_ROOT, with no public address."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("A private document has no public URL: serve it through its view.")


def private_storage_setting(backend, options):
    """STORAGES["private"] from PRIVATE_STORAGE_BACKEND and PRIVATE_STORAGE_OPTIONS. In object
    storage every URL is signed and lives at most five minutes, whatever the options say; a
    CDN domain would serve the documents unsigned, so it is refused."""
    if "s3" not in backend.lower():
        return {"BACKEND": backend, "OPTIONS": options}
    if options.get("custom_domain"):
        raise ImproperlyConfigured("PRIVATE_STORAGE_OPTIONS must not set a custom_domain (CDN).")
    if not options.get("bucket_name"):
        raise ImproperlyConfigured("PRIVATE_STORAGE_OPTIONS needs its own private bucket_name.")
    return {
        "BACKEND": backend,
        "OPTIONS": {
            **options,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": min(int(options.get("querystring_expire", 60)), 300),
            "file_overwrite": False,
        },
    }
