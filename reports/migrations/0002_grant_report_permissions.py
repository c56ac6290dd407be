"""Service managers see every report; finance officers see the income report. The grants
live in accounts/roles.py with every other; this re-syncs the groups now that the reports
app's permissions exist (accounts/0004 ran before them, and skipped them)."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.staff_groups import sync_staff_groups

    sync_staff_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_report_permissions"),
        ("accounts", "0004_staff_groups_exactly_as_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
