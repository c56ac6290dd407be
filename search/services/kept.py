"""The catalogue kept between requests: each worker keeps what it read until an edit retires
it, and places taken come from a snapshot a few seconds old at most (the cards shown read
theirs fresh)."""

import time
import uuid

from django.core.cache import cache
from django.db import connection

from courses.models import CourseRun

from .catalogue import Catalogue, Facet, read_catalogue

# How long a worker keeps the catalogue without asking whether it changed: every publish,
# unpublish, move or run change retires it at once (search.signals); this only bounds how long
# a run that has just started stays listed.
CATALOGUE_MAX_AGE = 60
# Places taken move with every booking. Bookings retire the snapshot at once (search.signals);
# a change made without a signal (a bulk update) shows within this many seconds.
PLACES_MAX_AGE = 3
VERSION_KEY = "search:catalogue-version"
PLACES_KEY = "search:places-taken"
PLACES_STAMP_KEY = "search:places-stamp"

_kept = {"version": None, "built": 0.0, "catalogue": None}


def catalogue_changed():
    """Retire every worker's copy of the catalogue (and any finder page cached from it)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    places_changed()


def places_changed():
    cache.delete_many([PLACES_KEY, PLACES_STAMP_KEY])


def catalogue_state():
    """A token for the catalogue and places snapshot a request would read now, or "" when
    there is none yet (or inside a transaction). A page made from one state may be reused
    while the state stands: a booking or an edit changes it."""
    if _in_transaction():
        return ""
    state = cache.get_many([VERSION_KEY, PLACES_STAMP_KEY])
    if len(state) < 2:
        return ""
    return f"{state[VERSION_KEY]}:{state[PLACES_STAMP_KEY]}"


def _in_transaction():
    """Inside a transaction the catalogue is read live and nothing is kept: what it sees may
    not be committed yet, or ever (a test rolls back)."""
    return connection.in_atomic_block


def load_catalogue():
    """The catalogue for this request: the courses' shape kept in this worker until it changes,
    plus places taken from a snapshot at most PLACES_MAX_AGE seconds old. Every query it makes
    is one per kind of thing, whatever the catalogue's size."""
    if _in_transaction():
        return _with_places(read_catalogue(), _read_full_runs())
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    now = time.monotonic()
    if _kept["version"] != version or now - _kept["built"] > CATALOGUE_MAX_AGE:
        _kept.update(version=version, built=now, catalogue=read_catalogue())
    snapshot = cache.get(PLACES_KEY)
    if snapshot is None:
        snapshot = (uuid.uuid4().hex, _read_full_runs())
        cache.set_many({PLACES_KEY: snapshot, PLACES_STAMP_KEY: snapshot[0]}, PLACES_MAX_AGE)
    return _with_places(_kept["catalogue"], snapshot[1])


def _with_places(shape, full):
    """A request's own catalogue: the shared listings, its own facets (a request may add the
    month it asked for) and the places snapshot."""
    facets = [Facet(f.key, f.legend, list(f.options), f.pattern) for f in shape.facets]
    return Catalogue(shape.listings, facets, shape.vocabulary, full, shape.masks)


def _read_full_runs():
    # with_places_taken (via upcoming()) is the one definition of a taken place.
    runs = CourseRun.objects.upcoming().values_list("pk", "capacity", "places_taken")
    return frozenset(pk for pk, capacity, taken in runs if taken >= capacity)
