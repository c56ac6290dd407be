"""Finding courses by their words: the finder's ranked search, forgiving typos and plurals,
and the title suggestions under the search box as a teacher types."""

import difflib
import re
from dataclasses import dataclass, field

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


def _wagtail_search(words, operator):
    """Wagtail's own search: weighted full text on PostgreSQL, FTS5 on SQLite."""
    # Ids are all it needs: whole pages for a broad word (hundreds of them) cost three times more.
    results = CoursePage.objects.live().only("pk").search(" ".join(words), operator=operator)
    return [page.pk for page in results]


def correct_words(words, vocabulary):
    """Replace each word we have never seen with the closest word we have: "assesment" ->
    "assessment", "assistant" -> "assistants". Short words are left alone; too many near
    neighbours."""
    corrected = []
    for word in words:
        if len(word) < 4 or word in vocabulary:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.8)
        corrected.append(close[0] if close else word)
    return corrected


def search(words, catalogue):
    """All the words first; then with spellings corrected; then any of the words, ranked,
    so a sentence such as "SEND training for TAs in the spring" still finds the SEND course.
    At most three searches, whatever the catalogue's size."""
    if ids := _wagtail_search(words, "and"):
        return SearchOutcome(ids)
    corrected = correct_words(words, catalogue.vocabulary)
    changed = corrected != words
    if changed and (ids := _wagtail_search(corrected, "and")):
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
