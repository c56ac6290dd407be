"""English schools' academic year, 1 September to 31 August: reports, CPD records and
packages are all cut by it."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_LABEL = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True, order=True)
class AcademicYear:
    start_year: int  # 2025 for 2025/26

    @classmethod
    def of(cls, day):
        """The year a date falls in: 31 August 2026 is 2025/26, 1 September 2026 is 2026/27."""
        if isinstance(day, datetime):
            day = timezone.localdate(day)
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def current(cls):
        return cls.of(timezone.localdate())

    @classmethod
    def parse(cls, label):
        """'2025/26' (or '2025-26', '2025/2026'); ValueError for anything else."""
        match = _LABEL.match(label or "")
        if not match:
            raise ValueError(f"{label!r} is not an academic year like 2025/26")
        start, end = int(match[1]), match[2]
        if int(end) % 100 != (start + 1) % 100 or (len(end) == 4 and int(end) != start + 1):
            raise ValueError(f"{label!r}: the second year must follow the first")
        if not 2000 <= start <= 2099:
            raise ValueError(f"{label!r} is out of range")
        return cls(start)

    @property
    def label(self):
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    def __str__(self):
        return self.label

    @property
    def first_day(self):
        return date(self.start_year, 9, 1)

    @property
    def last_day(self):
        return date(self.start_year + 1, 8, 31)

    @property
    def starts_at(self):
        """Midnight on 1 September, local time: the first instant of the year."""
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def ends_at(self):
        """Midnight on the next 1 September (exclusive)."""
        return timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))

    def shifted(self, years):
        return AcademicYear(self.start_year + years)

    def months(self):
        """The twelve first-of-month dates, September to August."""
        return [date(self.start_year + (m < 9), m, 1) for m in (*range(9, 13), *range(1, 9))]
