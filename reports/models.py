from django.db import models
from django.db.models import Q

from accounts.models import School
from core.academic_year import AcademicYear


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


class BuyInTarget(models.Model):
    """A service manager's aim for the share of open schools bought in during an academic
    year, for one local authority, one phase or one trust (exactly one: a fact the database
    keeps)."""

    start_year = models.PositiveSmallIntegerField(
        "academic year", help_text="The year it starts: 2026 for 2026/27."
    )
    local_authority = models.ForeignKey(
        "accounts.LocalAuthority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="buy_in_targets",
    )
    phase = models.CharField(max_length=20, blank=True, choices=School.Phase.choices)
    trust = models.ForeignKey(
        "accounts.Trust",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="buy_in_targets",
    )
    percent = models.DecimalField("target (% of open schools)", max_digits=4, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_year", "local_authority__name", "phase", "trust__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="buy_in_target_percent_0_to_100",
                violation_error_message="A target is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(local_authority__isnull=False, phase="", trust__isnull=True)
                    | Q(local_authority__isnull=True, trust__isnull=True) & ~Q(phase="")
                    | Q(local_authority__isnull=True, phase="", trust__isnull=False)
                ),
                name="buy_in_target_has_one_scope",
                violation_error_message="A target is for one local authority, one phase or "
                "one trust.",
            ),
            models.UniqueConstraint(
                fields=["start_year", "local_authority"],
                condition=Q(local_authority__isnull=False),
                name="one_buy_in_target_per_la_a_year",
            ),
            models.UniqueConstraint(
                fields=["start_year", "phase"],
                condition=~Q(phase=""),
                name="one_buy_in_target_per_phase_a_year",
            ),
            models.UniqueConstraint(
                fields=["start_year", "trust"],
                condition=Q(trust__isnull=False),
                name="one_buy_in_target_per_trust_a_year",
            ),
        ]

    def __str__(self):
        return f"{self.scope_label}: {self.percent}% in {self.year.label}"

    @property
    def year(self):
        return AcademicYear(self.start_year)

    @property
    def scope_kind(self):
        if self.local_authority_id:
            return "Local authority"
        return "Phase" if self.phase else "Trust"

    @property
    def scope_label(self):
        if self.local_authority_id:
            return self.local_authority.name
        return self.get_phase_display() if self.phase else self.trust.name

    @property
    def in_scope(self):
        """Q: a School in this target's scope."""
        if self.local_authority_id:
            return Q(local_authority_id=self.local_authority_id)
        if self.phase:
            return Q(phase=self.phase)
        return Q(trust_id=self.trust_id)
