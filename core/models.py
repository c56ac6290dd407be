from django.db import models


class OutboxMessage(models.Model):
    """A task asked for inside a transaction, written in that same transaction: if the
    transaction commits, the task will be published, however the broker or the process
    fares afterwards (core/outbox.py)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    options = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"


class SentEmail(models.Model):
    """What was sent, by a key naming the message and its object: a task that runs twice
    finds its key here and sends nothing (core.emails.send_once). Moved from bookings, so
    billing's emails need not import bookings; the table keeps its name."""

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_sentemail"

    def __str__(self):
        return self.key
