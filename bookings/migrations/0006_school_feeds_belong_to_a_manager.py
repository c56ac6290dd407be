"""A school's calendar address now belongs to one manager and ends with their right to it.

The old addresses were shared by the whole school and had no holder to check, so they are
deleted: a CPD lead or headteacher who subscribed finds a new address on the school page
(their calendar app stops updating until they subscribe again)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


def delete_shared_school_feeds(apps, schema_editor):
    apps.get_model("bookings", "CalendarFeed").objects.filter(user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_charge_waived_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="calendarfeed", name="one_feed_per_school"),
        migrations.RemoveConstraint(model_name="calendarfeed", name="feed_belongs_to_its_kind"),
        migrations.RunPython(delete_shared_school_feeds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="calendarfeed",
            name="user",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="calendar_feeds",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarfeed",
            constraint=models.UniqueConstraint(
                condition=Q(kind="school"),
                fields=("school", "user"),
                name="one_school_feed_per_manager",
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarfeed",
            constraint=models.CheckConstraint(
                condition=Q(kind="personal", school__isnull=True)
                | Q(kind="school", school__isnull=False),
                name="feed_belongs_to_its_kind",
            ),
        ),
    ]
