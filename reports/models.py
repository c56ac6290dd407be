from django.db import models


class Report(models.Model):
    """No table: a home for the reports' permissions, which Wagtail groups can be granted."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_reports", "Can see every report"),
            ("view_income_report", "Can see the income report"),
        ]

    def __str__(self):
        return "Reports"
