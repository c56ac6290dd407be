"""The feeds write VEVENT text directly for speed; icalendar's own serialiser is the
reference. For any text, times and states, the two must give the same bytes."""

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bookings import calendar as feeds

# Everything an editor or a school could type: escapes, commas, semicolons, carets,
# newlines, accents, non-Latin scripts and emoji, and lines long enough to fold many times.
TEXT = st.one_of(
    # Plain ASCII dense with escapes, so an escape often lands on a fold.
    st.text(alphabet=st.sampled_from(list("ab\\;,^\n ")), max_size=400),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("\\;,^:\n\"' ")),
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        ),
        max_size=400,
    ),
)
WHEN = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2090, 12, 31),
    timezones=st.just(dt.UTC),
)


@st.composite
def entries(draw):
    starts = draw(WHEN)
    venue = draw(
        st.none()
        | st.builds(
            SimpleNamespace,
            name=TEXT,
            address=TEXT,
            town=st.text(max_size=30),
            postcode=st.text(max_size=10),
        )
    )
    course = SimpleNamespace(title=draw(TEXT), summary=draw(TEXT))
    run = SimpleNamespace(
        pk=1,
        course=course,
        reference=draw(st.text(max_size=20)),
        venue=venue,
        online_joining_url=draw(st.sampled_from(["", "https://meet.example.org/j/123?pwd=a,b;c"])),
        joining_instructions=draw(TEXT),
        status=draw(st.sampled_from(["open", "cancelled"])),
        updated_at=draw(WHEN),
    )
    session = SimpleNamespace(
        pk=draw(st.integers(1, 10**9)),
        starts_at=starts,
        ends_at=starts + draw(st.timedeltas(dt.timedelta(minutes=1), dt.timedelta(days=3))),
        sequence=draw(st.integers(0, 10**6)),
        updated_at=draw(WHEN),
        cancelled_at=draw(st.none() | WHEN),
    )
    attendees = tuple(draw(st.lists(TEXT, max_size=4)))
    return feeds.Entry(session, run, draw(st.booleans()), attendees)


@settings(max_examples=400, deadline=None)
@given(
    entry=entries(),
    private=st.booleans(),
    url=st.sampled_from(["https://cpd.example.gov.uk/programme/x/", "https://h/é?a=1,b;c"]),
    prefix=st.sampled_from(["", "school-4-"]),
)
def test_the_direct_writer_gives_icalendars_bytes(entry, private, url, prefix):
    text = feeds._RunText(entry.run, private, url)
    expected = feeds.icalendar_event(entry, text, prefix)
    assert feeds._event(entry, text, prefix) == expected


def test_long_lines_fold_without_splitting_an_escape():
    run = SimpleNamespace(
        course=SimpleNamespace(title="x" * 65 + ";" + "y" * 200, summary=""),
        reference="R",
        venue=None,
        online_joining_url="",
        joining_instructions="",
        status="open",
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    session = SimpleNamespace(
        pk=1,
        starts_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        sequence=0,
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        cancelled_at=None,
    )
    entry = feeds.Entry(session, run)
    written = feeds._event(entry, feeds._RunText(run, False, "https://h/"), "")
    lines = written.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    # "SUMMARY:" + 65 x's + "\;" would end the first line on the backslash: it moves down.
    assert lines[1] == b"SUMMARY:" + b"x" * 65 and lines[2].startswith(b" \\;")
    parsed = Calendar.from_ical(b"BEGIN:VCALENDAR\r\n" + written + b"END:VCALENDAR\r\n")
    assert str(parsed.walk("VEVENT")[0]["SUMMARY"]).startswith("x" * 65 + ";y")
