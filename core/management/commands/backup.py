from django.core.management.base import BaseCommand, CommandError

from core.management.backups import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format) and MEDIA_ROOT into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="backups", help="folder to create the backup in")

    def handle(self, *args, to, **options):
        try:
            folder = make_backup(to)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written to {folder}")
