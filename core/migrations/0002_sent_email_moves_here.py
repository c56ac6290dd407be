# SentEmail moves from bookings to core (app label "project") in the state only: the table
# bookings_sentemail stays as it is, rows and all.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("project", "0001_outbox"),
        ("bookings", "0006_school_feeds_belong_to_a_manager"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SentEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=120, unique=True)),
                        ("sent_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "bookings_sentemail"},
                ),
            ],
            database_operations=[],
        ),
    ]
