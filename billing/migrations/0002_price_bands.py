from decimal import Decimal

from django.db import migrations

# The four bands the service prices by. Finance can change the percentages in the admin.
BANDS = [
    ("partner_maintained", "Partner-area LA-maintained schools", Decimal("100.00")),
    ("partner_academy", "Partner-area academies", Decimal("110.00")),
    ("out_of_area", "Out-of-area schools", Decimal("125.00")),
    ("independent", "Independent schools and others", Decimal("150.00")),
]


def add_bands(apps, schema_editor):
    PriceBand = apps.get_model("billing", "PriceBand")
    for code, name, percent in BANDS:
        PriceBand.objects.get_or_create(
            code=code, defaults={"name": name, "percent_of_list_price": percent}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(add_bands, migrations.RunPython.noop)]
