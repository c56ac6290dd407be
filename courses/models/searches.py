"""Finder searches that found nothing: demand the catalogue does not meet yet.

Counted per day and words, never per person: no user, session, address or time of day is
kept. Retention: rows older than RETAIN_DAYS (13 months, a year's comparison) are deleted each
night (courses.tasks.forget_old_unmatched_searches)."""

from datetime import timedelta

from django.db import connection, models
from django.utils import timezone

RETAIN_DAYS = 400
WORDS_MAX = 100
# SQLite and PostgreSQL both upsert so (ON CONFLICT needs the unique constraint below).
_COUNT_ONE = (
    "INSERT INTO courses_unmatchedsearch (day, words, strand, searches) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (day, words, strand) "
    "DO UPDATE SET searches = courses_unmatchedsearch.searches + 1"
)


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
        """Count one search for `words` that found nothing today: one upsert, so the finder
        pays a single query and two concurrent searches both count."""
        words = " ".join(str(words).lower().split())[:WORDS_MAX].strip()
        if not words:
            return
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_ONE, [timezone.localdate(), words, strand[:255]])

    @classmethod
    def forget_old(cls, today=None):
        today = today or timezone.localdate()
        return cls.objects.filter(day__lt=today - timedelta(days=RETAIN_DAYS)).delete()[0]
