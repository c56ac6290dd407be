"""Invoice and credit-note PDFs move from the public media storage to the "private" one
(core.private_storage), byte for byte under the same names, and the public copies are
deleted. Safe to run again: a document already moved is skipped, and one missing from both
is rendered again from its record on the next authorised download (billing.pdf._stored).
Going back leaves the files private: a reversed schema then re-renders on first download."""

from django.core.files.storage import storages
from django.db import migrations, models

import core.private_storage


def move_to_private_storage(apps, schema_editor):
    public, private = storages["default"], storages["private"]
    for model_name in ("Invoice", "CreditNote"):
        model = apps.get_model("billing", model_name)
        for pk, name in model.objects.exclude(pdf="").values_list("pk", "pdf").iterator():
            if not public.exists(name):
                continue
            stored = name
            if not private.exists(name):
                with public.open(name, "rb") as document:
                    stored = private.save(name, document)
            if stored != name:
                model.objects.filter(pk=pk).update(pdf=stored)
            public.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_finance_officer_permissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="creditnote",
            name="pdf",
            field=models.FileField(
                blank=True, storage=core.private_storage.private_storage, upload_to="credit-notes/"
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="pdf",
            field=models.FileField(
                blank=True, storage=core.private_storage.private_storage, upload_to="invoices/"
            ),
        ),
        migrations.RunPython(move_to_private_storage, migrations.RunPython.noop, elidable=False),
    ]
