"""Service managers see every report; finance officers see the income report."""

from django.db import migrations

from accounts import roles

GRANTS = {
    roles.MANAGERS: ["view_reports"],
    roles.FINANCE: ["view_income_report"],
}
PERMISSIONS = {
    "view_reports": "Can see every report",
    "view_income_report": "Can see the income report",
}


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; make these now to grant them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="reports", model="report")
    for codename, name in PERMISSIONS.items():
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(content_type=content_type, codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, codenames in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="reports", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_report_permissions"),
        ("accounts", "0003_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
