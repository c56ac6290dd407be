from django.db import models


class OutboxMessage(models.Model):
    """A task asked for inside a transaction, written in that same transaction: if the
    transaction commits, the task will be published, however the broker or the process
    fares afterwards (config/outbox.py)."""

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
