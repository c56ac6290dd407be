"""Existing credit into lots. Its own migration: on PostgreSQL the new foreign key's index is
created at the end of the migration that adds it, which cannot follow row updates in the same
transaction ("pending trigger events")."""

from django.db import migrations

OPENS_A_LOT = ("package", "overpayment", "return", "adjustment")


def put_entries_in_lots(apps, schema_editor):
    """Existing credit, first in first out: a top-up opens a lot, a release goes back to its
    place's draw's lot, and a draw or other take is split across the lots it used. Existing
    package credit gets no use-by date: its expiry was never agreed, so it does not expire."""
    CreditEntry = apps.get_model("billing", "CreditEntry")
    open_lots = {}  # (account, single_purpose) -> [[lot id, left], ...]
    draw_lot = {}  # enrolment -> lot id
    for entry in CreditEntry.objects.order_by("created_at", "pk"):
        lots = open_lots.setdefault((entry.account_id, entry.single_purpose), [])
        if entry.amount > 0 and entry.kind == "release" and entry.enrolment_id in draw_lot:
            entry.lot_id = draw_lot[entry.enrolment_id]
            for lot in lots:
                if lot[0] == entry.lot_id:
                    lot[1] += entry.amount
        elif entry.amount > 0:
            entry.lot_id = entry.pk
            lots.append([entry.pk, entry.amount])
        else:
            need = -entry.amount
            parts = []
            for lot in lots:
                take = min(lot[1], need)
                if take > 0:
                    parts.append((lot[0], take))
                    lot[1] -= take
                    need -= take
            if need > 0:  # more taken than held: the rest stays on the last lot
                parts.append((lots[-1][0] if lots else entry.pk, need))
            original = entry.pk
            for lot, amount in parts[1:]:  # each further lot used: a copy of the entry
                entry.pk = None
                entry.lot_id, entry.amount = lot, -amount
                entry.save()
            entry.pk = original
            entry.lot_id, entry.amount = parts[0][0], -parts[0][1]
            if entry.kind == "draw" and entry.enrolment_id:
                draw_lot.setdefault(entry.enrolment_id, entry.lot_id)
        entry.save()


class Migration(migrations.Migration):
    dependencies = [("billing", "0012_credit_lots_and_expiry")]

    operations = [migrations.RunPython(put_entries_in_lots, migrations.RunPython.noop)]
