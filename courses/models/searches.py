"""Finder searches that found nothing: demand the catalogue does not meet yet.

Counted per day and words, never per person: no user, session, address or time of day is
kept. Retention: rows older than RETAIN_DAYS (13 months, a year's comparison) are deleted as
new ones are written."""

from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

RETAIN_DAYS = 400
WORDS_MAX = 100


class UnmatchedSearch(models.Model):
    day = models.DateField()
    words = models.CharField(max_length=WORDS_MAX)  # lower-cased, spaces collapsed
    strand = models.CharField(max_length=255, blank=True)  # the strand filter's slug, if any
    searches = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-day", "words"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "words", "strand"], name="one_unmatched_search_row_a_day"
            ),
            models.CheckConstraint(
                condition=~models.Q(words=""), name="unmatched_search_has_words"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="unmatched_search_day")]

    def __str__(self):
        return f"“{self.words}” on {self.day}: {self.searches}"

    @classmethod
    def record(cls, words, strand=""):
        """Count one search for `words` that found nothing today."""
        words = " ".join(str(words).lower().split())[:WORDS_MAX].strip()
        if not words:
            return
        today = timezone.localdate()
        key = {"day": today, "words": words, "strand": strand[:255]}
        if not cls.objects.filter(**key).update(searches=F("searches") + 1):
            try:
                with transaction.atomic():
                    cls.objects.create(**key)
            except IntegrityError:  # a concurrent first search made the row
                cls.objects.filter(**key).update(searches=F("searches") + 1)
            # Once a day per new row at most: the old ones go.
            cls.objects.filter(day__lt=today - timedelta(days=RETAIN_DAYS)).delete()
