import django.db.models.deletion
from django.db import migrations, models

# The notes _release() wrote on the places it made for charged unnamed reserved places.
RELEASE_NOTES = ("Reserved place given back", "Reserved place not named by the date")


def mark_released_places(apps, schema_editor):
    # Places made before this field existed: the lead's cancelled late places on a
    # reservation's booking that were born cancelled by a release.
    Enrolment = apps.get_model("bookings", "Enrolment")
    Reservation = apps.get_model("bookings", "Reservation")
    for reservation in Reservation.objects.select_related("booking"):
        Enrolment.objects.filter(
            booking=reservation.booking,
            delegate=reservation.booking.booked_by,
            status="cancelled",
            late_cancellation=True,
            events__from_status="",
            events__note__in=RELEASE_NOTES,
        ).update(released_from=reservation)


def sync_staff_groups(apps, schema_editor):
    # Bookings officers, finance officers and service managers see reservations (accounts.roles).
    from accounts.staff_groups import sync_staff_groups

    sync_staff_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_approval_spend_threshold"),
        ("bookings", "0010_waitlist_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="released_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="released_places",
                to="bookings.reservation",
            ),
        ),
        migrations.RunPython(mark_released_places, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="enrolment",
            constraint=models.CheckConstraint(
                condition=models.Q(("released_from__isnull", True))
                | models.Q(("late_cancellation", True), ("status", "cancelled")),
                name="released_reserved_place_is_a_late_cancellation",
            ),
        ),
        migrations.RunPython(sync_staff_groups, migrations.RunPython.noop),
    ]
