from django.db import migrations


def create_staff_groups(apps, schema_editor):
    from accounts.staff_groups import sync_staff_groups

    # Apps migrated after this one (billing, redirects) get their grants from 0004.
    sync_staff_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_join_requests_trust_roles_closing"),
        ("bookings", "0003_calendar_feeds"),
        ("courses", "0002_coursepage_free_cancellation_days"),
        ("home", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0005_editingsession_is_editing"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_staff_groups, migrations.RunPython.noop)]
