# SentEmail now belongs to core (project.0002); bookings lets go of it in the state only,
# so the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_school_feeds_belong_to_a_manager"),
        ("project", "0002_sent_email_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SentEmail")],
            database_operations=[],
        ),
    ]
