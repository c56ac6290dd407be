from django.db import migrations

# Finance officers refund credit notes to the card (billing/stripe_admin.py).
PERMISSIONS = ["view_creditnote", "change_creditnote"]


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make billing's now to grant them.
    billing = global_apps.get_app_config("billing")
    models_module, billing.models_module = billing.models_module, billing.models_module or True
    create_permissions(billing, apps=apps, verbosity=0)
    billing.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Finance officers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="billing", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_price_bands"),
        ("accounts", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
