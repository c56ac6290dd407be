"""School.invoice_address (free text) gives way to the account's structured billing address.

Each school's text is copied onto its account, unless the account already has an address of its
own: a last line that is a postcode becomes the postcode, the line before it the town, a first
line repeating the school's name is dropped (the name is printed anyway), and the rest are the
address lines. Finance should check the result: the invoicing run lists any that are incomplete."""

import re

from django.db import migrations

POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", re.IGNORECASE)


def split(text, name):
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if lines and lines[0].casefold() == name.casefold():
        lines = lines[1:]
    postcode = lines.pop() if lines and POSTCODE.fullmatch(lines[-1]) else ""
    town = lines.pop() if len(lines) >= 2 else ""
    return {
        "address_line_1": lines[0][:100] if lines else "",
        "address_line_2": lines[1][:100] if len(lines) > 1 else "",
        "address_line_3": ", ".join(lines[2:])[:100],
        "town": town[:100],
        "postcode": postcode.upper()[:10],
    }


def copy_to_accounts(apps, schema_editor):
    School = apps.get_model("accounts", "School")
    Account = apps.get_model("billing", "Account")
    for school in School.objects.exclude(invoice_address=""):
        account, _ = Account.objects.get_or_create(school=school, defaults={"kind": "school"})
        if any(
            getattr(account, f)
            for f in ("address_line_1", "address_line_2", "address_line_3", "town", "postcode")
        ):
            continue
        for field, value in split(school.invoice_address, school.name).items():
            setattr(account, field, value)
        account.save()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_school_postal_address_from_gias"),
        ("billing", "0009_billing_address_and_contact"),
    ]

    operations = [migrations.RunPython(copy_to_accounts, migrations.RunPython.noop)]
