"""Finance officers run billing in the admin; service managers read it.

Money moves only through billing.services, so nobody is given change or delete on invoices,
credit notes or payments: "add" on Payment is recording a payment, on AccountPackage selling
a package, on Invoice running the invoicing; "change" on CreditNote is what Stripe refunds use."""

from django.db import migrations

FINANCE = "Finance officers"
MANAGERS = "Service managers"

_READ = [
    "invoice",
    "invoiceline",
    "creditnote",
    "creditnoteline",
    "payment",
    "account",
    "accountpackage",
    "package",
    "priceband",
    "coursebandprice",
    "runbandprice",
    "creditentry",
    "numberseries",
    "checkoutattempt",
    "stripeevent",
]

PERMISSIONS = {
    FINANCE: [
        *[f"view_{model}" for model in _READ],
        "add_invoice",  # run invoicing
        "add_payment",  # record a BACS or cheque payment
        "add_accountpackage",  # sell a package
        "add_creditnote",
        "change_creditnote",  # refund a credit note to the card, or keep it as credit
        "add_account",
        "change_account",
        "add_package",
        "change_package",
        "change_priceband",
        "add_coursebandprice",
        "change_coursebandprice",
        "delete_coursebandprice",
        "add_runbandprice",
        "change_runbandprice",
        "delete_runbandprice",
        "change_billingsettings",
    ],
    MANAGERS: [f"view_{model}" for model in _READ],
}


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make billing's now to grant them.
    billing = global_apps.get_app_config("billing")
    models_module, billing.models_module = billing.models_module, True
    try:
        create_permissions(billing, apps=apps, verbosity=0)
    finally:
        billing.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="billing", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="billing", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_stripe_refund_permission"),
        ("accounts", "0003_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
