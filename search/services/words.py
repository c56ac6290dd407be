"""Finding courses by their words: the finder's ranked search, forgiving typos and plurals,
and the title suggestions under the search box as a teacher types."""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from wagtail.search.query import Fuzzy

from courses.models import CoursePage

MAX_WORDS = 12
AUTOCOMPLETE_LIMIT = 8

# Words that carry no meaning in a course search; dropped before matching so that "training
# for TAs in a primary school" asks about TAs, primary and school, not "for", "in" and "a".
# fmt: off
STOP_WORDS = frozenset({
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "by", "can", "do", "for", "from",
    "how", "i", "in", "into", "is", "it", "me", "my", "need", "of", "on", "or", "our", "some",
    "that", "the", "their", "to", "us", "we", "what", "when", "where", "which", "who", "with",
})
# fmt: on
WORD = re.compile(r"\w+")


def words_of(text):
    """The words of a query, lower-cased (so FTS operators such as OR and NEAR are plain
    words), without stop words unless nothing else is left."""
    words = [w.lower() for w in WORD.findall(text)][: MAX_WORDS * 2]
    meaningful = [w for w in words if w not in STOP_WORDS]
    return (meaningful or words)[:MAX_WORDS]


@dataclass
class SearchOutcome:
    ranked_ids: list
    corrected_words: list = field(default_factory=list)  # set when we searched other words
    some_words: bool = False  # matched some of the words, not all
    fuzzy: bool = False  # matched by the backend's fuzzy search: close words, not the words


# How alike two words must be to read one as the other: trigram similarity, as PostgreSQL's
# pg_trgm measures it ("phonix" and "phonics" share 5 of 10 trigrams: 0.5).
SIMILAR_ENOUGH = 0.45
# pg_trgm compares the whole query with the closest stretch of a course's text: right for a
# short phrase ("phonix screening"), not for a sentence of need, which any-word ranking serves.
FUZZY_MAX_WORDS = 3


def _wagtail_search(words, operator):
    """Wagtail's own search: weighted full text on PostgreSQL, FTS5 on SQLite."""
    # Ids are all it needs: whole pages for a broad word (hundreds of them) cost three times more.
    results = CoursePage.objects.live().only("pk").search(" ".join(words), operator=operator)
    return [page.pk for page in results]


def _fuzzy_search(words):
    """Wagtail's fuzzy search, on PostgreSQL: pg_trgm word similarity over every indexed word
    of every course (titles and bodies), closest first. None where the backend has none
    (SQLite's FTS5 cannot match approximately)."""
    if connection.vendor != "postgresql":
        return None
    results = CoursePage.objects.live().only("pk").search(Fuzzy(" ".join(words)))
    return [page.pk for page in results]


@lru_cache(maxsize=50_000)
def trigrams(word):
    """A word's trigrams as pg_trgm makes them: padded with two spaces before, one after."""
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a, b):
    """pg_trgm's similarity(): shared trigrams over all trigrams of either word."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb)


def correct_words(words, vocabulary):
    """Replace each word we have never seen with the most similar word we have, if it is
    similar enough: "phonix" -> "phonics", "assesment" -> "assessment", "assistant" ->
    "assistants". Short words are left alone; too many near neighbours."""
    corrected = []
    for word in words:
        if len(word) < 4 or word in vocabulary:
            corrected.append(word)
            continue
        best, score = word, SIMILAR_ENOUGH
        for known in vocabulary:
            if (alike := similarity(word, known)) > score:
                best, score = known, alike
        corrected.append(best)
    return corrected


def search(words, catalogue):
    """All the words first; then, if a word is new to us, forgiving its spelling; then any
    of the words, ranked, so a sentence such as "SEND training for TAs in the spring" still
    finds the SEND course. At most three searches, whatever the catalogue's size.

    Forgiving spelling is the search backend's own fuzzy matching where it has one
    (PostgreSQL's pg_trgm) and the search is a short phrase; otherwise the words are
    corrected against the catalogue's vocabulary and searched again. Either way the
    correction names the word we read."""
    if ids := _wagtail_search(words, "and"):
        return SearchOutcome(ids)
    corrected = correct_words(words, catalogue.vocabulary)
    changed = corrected != words
    unknown = any(len(w) >= 4 and w not in catalogue.vocabulary for w in words)
    close = _fuzzy_search(words) if unknown and len(words) <= FUZZY_MAX_WORDS else None
    if close:
        return SearchOutcome(close, corrected_words=corrected if changed else [], fuzzy=True)
    if close is None and changed and (ids := _wagtail_search(corrected, "and")):
        return SearchOutcome(ids, corrected_words=corrected)
    if len(corrected) > 1 and (ids := _wagtail_search(corrected, "or")):
        return SearchOutcome(ids, corrected_words=corrected if changed else [], some_words=True)
    return SearchOutcome([])


def title_suggestions(text, request=None):
    """Up to eight live course titles for what has been typed so far (from two characters):
    Wagtail's autocomplete first ("sen" finds SENCO and SEND), then titles with a word that
    starts with the text (so "sen" offers "Making sense of…" but not "Governor essentials")."""
    text = " ".join(WORD.findall(text[:100]))
    if len(text) < 2:
        return []
    courses = CoursePage.objects.live().public()
    found = list(courses.autocomplete(text)[:AUTOCOMPLETE_LIMIT])
    if len(found) < AUTOCOMPLETE_LIMIT:
        seen = [c.pk for c in found]
        found += list(
            # `text` is words and spaces only, so it is safe inside the pattern.
            courses.filter(title__iregex=rf"(^|\W){text}")
            .exclude(pk__in=seen)
            .order_by("title")[: AUTOCOMPLETE_LIMIT - len(found)]
        )
    return [{"title": c.title, "url": c.get_url(request)} for c in found]
