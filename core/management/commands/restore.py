from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.management.backups import BackupError, libpq_url, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder (from `manage.py backup`) into an empty database and media "
        "folders: by default this project's DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the backup folder, e.g. backups/20260101T020000Z")
        parser.add_argument("--database-url", help="target database (default: DATABASE_URL)")
        parser.add_argument("--media-root", help="target media folder (default: MEDIA_ROOT)")
        parser.add_argument(
            "--private-media-root",
            help="target folder for invoices and credit notes (default: PRIVATE_MEDIA_ROOT)",
        )

    def handle(
        self, *args, folder, database_url=None, media_root=None, private_media_root=None, **options
    ):
        try:
            url = database_url or libpq_url(settings.DATABASES["default"])
            restore_backup(
                folder,
                database_url=url,
                media_root=media_root or settings.MEDIA_ROOT,
                private_media_root=private_media_root or settings.PRIVATE_MEDIA_ROOT,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {folder}")
