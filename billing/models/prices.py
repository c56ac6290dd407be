"""Price bands and the fixed prices a band may have on a course or a run."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from .fields import money_field


class PriceBand(models.Model):
    """Who pays which price: partner-area maintained schools, partner academies, out of area,
    independent and others. A band prices a course at a percentage of its list price unless the
    course or the run names a fixed price for the band."""

    class Code(models.TextChoices):
        PARTNER_MAINTAINED = "partner_maintained", "Partner-area LA-maintained schools"
        PARTNER_ACADEMY = "partner_academy", "Partner-area academies"
        OUT_OF_AREA = "out_of_area", "Out-of-area schools"
        INDEPENDENT = "independent", "Independent schools and others"

    # The starting percentages; finance can change them in the admin.
    DEFAULT_PERCENT = {
        Code.PARTNER_MAINTAINED: Decimal("100.00"),
        Code.PARTNER_ACADEMY: Decimal("110.00"),
        Code.OUT_OF_AREA: Decimal("125.00"),
        Code.INDEPENDENT: Decimal("150.00"),
    }

    code = models.CharField(max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(max_length=80)
    percent_of_list_price = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        help_text="A course's price for this band, as a percentage of its list price.",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_of_list_price__gte=0), name="band_percent_not_negative"
            )
        ]

    def __str__(self):
        return self.name


class CourseBandPrice(models.Model):
    """A course's fixed price for one band, instead of the band's percentage."""

    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="band_prices"
    )
    band = models.ForeignKey(PriceBand, on_delete=models.PROTECT, related_name="+")
    price = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "band"], name="one_course_price_per_band"),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="course_band_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.course} — {self.band}: £{self.price}"


class RunBandPrice(models.Model):
    """One run's price for one band, overriding the course's."""

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.CASCADE, related_name="band_prices"
    )
    band = models.ForeignKey(PriceBand, on_delete=models.PROTECT, related_name="+")
    price = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "band"], name="one_run_price_per_band"),
            models.CheckConstraint(condition=Q(price__gte=0), name="run_band_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.run.reference} — {self.band}: £{self.price}"
