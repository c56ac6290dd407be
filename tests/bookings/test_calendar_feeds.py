"""Calendar feeds: right events, stable UIDs, SEQUENCE on change, cancelled events kept a while,
conditional GET, secret tokens — and three independent parsers agreeing on every feed."""

import datetime as dt
import gzip
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.http import http_date, parse_http_date
from icalendar import Calendar

from bookings import calendar as feeds
from bookings.calendar import writer
from bookings.models import CalendarFeed, Enrolment
from bookings.services import BookingRequest, Delegate, book_places, cancel_enrolment
from courses.models import CourseRun, Session, StrandPage
from tests.calendar.support import parse_three_ways, post_run_edit_form

LONDON = ZoneInfo("Europe/London")


def test_programme_feed_lists_every_open_runs_sessions(client, demo, tmp_path):
    response = client.get("/calendar/programme.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = parse_three_ways(response.content, tmp_path)
    expected = Session.objects.filter(run__status__in=["open", "closed"]).count()
    assert len(events) == expected
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "CPD programme" and str(calendar["NAME"])
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert str(calendar["UID"]).startswith("programme@")
    for event in calendar.walk("VEVENT"):
        assert event.decoded("DTSTAMP") and event.decoded("LAST-MODIFIED")
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert b"DTSTART;TZID=Europe/London:" in response.content
    assert b"meet.example.gov.uk" not in response.content, "no joining links in public feeds"


def test_strand_feed_holds_only_that_strand(client, demo, tmp_path):
    strand = StrandPage.objects.get(slug="using-data")
    events = parse_three_ways(client.get("/calendar/strand/using-data.ics").content, tmp_path)
    expected = Session.objects.filter(
        run__status__in=["open", "closed"], run__course__path__startswith=strand.path
    ).count()
    assert len(events) == expected > 0
    assert client.get("/calendar/strand/no-such-strand.ics").status_code == 404


@pytest.fixture
def teacher_booking(open_run, people):
    people["school_a"].bookings_need_approval = False
    people["school_a"].save()
    return book_places(
        open_run.pk,
        BookingRequest(
            school=people["school_a"],
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    )


def test_personal_feed_holds_my_confirmed_sessions_with_joining_details(
    client, people, teacher_booking, tmp_path
):
    run = teacher_booking.run
    feed = feeds.feed_for(people["teacher_a"])
    response = client.get(f"/calendar/u/{feed.token}.ics")
    events = parse_three_ways(response.content, tmp_path)
    assert [e[0] for e in events] == [
        feeds.session_uid(s) for s in run.sessions.order_by("starts_at")
    ]
    assert run.joining_instructions.encode()[:30] in response.content.replace(b"\r\n ", b"")
    others = feeds.feed_for(people["teacher_b"])
    assert parse_three_ways(client.get(f"/calendar/u/{others.token}.ics").content, tmp_path) == []


def test_school_feed_names_the_staff_going(client, people, open_run, tmp_path):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    book_places(
        open_run.pk,
        BookingRequest(
            school=school,
            booked_by=people["lead_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"]), Delegate(people["finance_a"])],
        ),
    )
    feed = feeds.feed_for(people["lead_a"], school)
    response = client.get(f"/calendar/school/{feed.token}.ics")
    body = response.content.replace(b"\r\n ", b"")
    assert b"Tom Teacher" in body and b"Frank Finance" in body
    events = parse_three_ways(response.content, tmp_path)
    assert len({e[0] for e in events}) == len(events), "one event per session"


@pytest.mark.parametrize("token", ["", "abc", "1.", ".secret", "999999.secret", "1.wrong-secret"])
def test_unknown_tokens_are_a_plain_404(client, people, token):
    feeds.feed_for(people["teacher_a"])
    for kind in ("u", "school"):
        response = client.get(f"/calendar/{kind}/{token}.ics")
        assert response.status_code == 404


def test_a_school_token_does_not_open_a_personal_feed(client, people):
    school_feed = feeds.feed_for(people["lead_a"], people["school_a"])
    assert client.get(f"/calendar/u/{school_feed.token}.ics").status_code == 404
    assert client.get(f"/calendar/school/{school_feed.token}.ics").status_code == 200


def test_rotating_kills_the_old_address(client, people):
    client.force_login(people["teacher_a"])
    old = feeds.feed_for(people["teacher_a"]).token
    assert client.get(f"/calendar/u/{old}.ics").status_code == 200
    client.post("/calendar/rotate/")
    new = CalendarFeed.objects.get(user=people["teacher_a"]).token
    assert new != old
    assert client.get(f"/calendar/u/{old}.ics").status_code == 404
    assert client.get(f"/calendar/u/{new}.ics").status_code == 200


def test_a_closed_account_has_no_feed(client, people):
    from accounts.services import close_account

    feed = feeds.feed_for(people["teacher_a"])
    close_account(people["teacher_a"])
    assert client.get(f"/calendar/u/{feed.token}.ics").status_code == 404


def test_the_account_page_offers_subscribe_links(client, people):
    client.force_login(people["teacher_a"])
    html = client.get("/account/").content.decode()
    token = CalendarFeed.objects.get(user=people["teacher_a"]).token
    assert f"webcal://testserver/calendar/u/{token}.ics" in html
    assert "calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftestserver" in html
    assert "outlook.office.com/calendar/0/addfromweb?url=http" in html


def test_conditional_get_gives_304_cheaply_and_changes_when_a_session_moves(
    client, people, teacher_booking, django_assert_max_num_queries
):
    feed = feeds.feed_for(people["teacher_a"])
    url = f"/calendar/u/{feed.token}.ics"
    first = client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified
    with django_assert_max_num_queries(4):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    session = teacher_booking.run.sessions.first()
    session.starts_at += dt.timedelta(hours=1)
    session.ends_at += dt.timedelta(hours=1)
    session.save()
    moved = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag


def _feed_urls(people):
    return [
        "/calendar/programme.ics",
        f"/calendar/u/{feeds.feed_for(people['teacher_a']).token}.ics",
    ]


def test_feeds_answer_head_with_the_headers_of_get_and_no_body(client, people, teacher_booking):
    for url in _feed_urls(people):
        get, head = client.get(url), client.head(url)
        assert head.status_code == 200 and head.content == b"", url
        for header in ("ETag", "Last-Modified", "Content-Type", "Cache-Control"):
            assert head[header] == get[header], (url, header)
        assert head["Content-Length"] == str(len(get.content)), url


def test_feed_etags_are_weak_and_either_form_gets_a_304(client, people, teacher_booking):
    for url in _feed_urls(people):
        first = client.get(url)
        etag = first["ETag"]
        assert etag.startswith('W/"'), "one version, whether gzipped or not"
        for sent in (etag, etag[2:], f'"something-else", {etag}'):
            again = client.get(url, HTTP_IF_NONE_MATCH=sent)
            assert again.status_code == 304 and again.content == b"", (url, sent)
            assert again["ETag"] == etag and again["Last-Modified"] == first["Last-Modified"]
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"stale"').status_code == 200


@pytest.mark.parametrize(
    "since",
    ["yesterday", "Mon, 99 Foo 2026 25:61:61 GMT", "9" * 400, "-1", ""],
)
def test_if_modified_since_is_honoured_and_a_bad_date_gets_the_whole_feed(
    client, people, teacher_booking, tmp_path, since
):
    for url in _feed_urls(people):
        first = client.get(url)
        modified = first["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304, url
        earlier = http_date(parse_http_date(modified) - 3600)
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200, url
        # If-None-Match decides when both are sent: a stale ETag gets the feed.
        both = client.get(url, HTTP_IF_MODIFIED_SINCE=modified, HTTP_IF_NONE_MATCH='W/"old"')
        assert both.status_code == 200, url
        bad = client.get(url, HTTP_IF_MODIFIED_SINCE=since)
        assert bad.status_code == 200 and bad.content == first.content, (url, since)


def test_feeds_are_gzipped_for_clients_that_accept_it(client, people, teacher_booking, tmp_path):
    for url in _feed_urls(people):
        plain = client.get(url)
        assert "Content-Encoding" not in plain
        zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
        assert len(zipped.content) < len(plain.content)
        assert gzip.decompress(zipped.content) == plain.content
        assert parse_three_ways(gzip.decompress(zipped.content), tmp_path)
        assert zipped["ETag"] == plain["ETag"]
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
        assert again.status_code == 304


def test_sequence_goes_up_when_a_session_moves_in_the_admin(client, people, teacher_booking):
    run = teacher_booking.run
    session = run.sessions.order_by("starts_at").first()
    before = session.sequence
    client.force_login(people["staff"])
    response = post_run_edit_form(client, run, move={session.pk: dt.timedelta(hours=2)})
    assert response.status_code == 302, response.content.decode()[:1500]
    session.refresh_from_db()
    assert session.sequence == before + 1
    untouched = run.sessions.exclude(pk=session.pk).first()
    if untouched:
        assert untouched.sequence == 0


def _run_with_two_sessions(run):
    if run.sessions.count() < 2:
        last = run.sessions.order_by("starts_at").last()
        Session.objects.create(
            run=run,
            starts_at=last.starts_at + dt.timedelta(days=7),
            ends_at=last.ends_at + dt.timedelta(days=7),
        )
    return run.sessions.order_by("starts_at").last()


def test_deleting_a_booked_session_in_the_admin_is_refused_with_the_way_to_cancel_it(
    client, people, teacher_booking
):
    run = teacher_booking.run
    session = _run_with_two_sessions(run)
    client.force_login(people["staff"])
    response = post_run_edit_form(client, run, delete={session.pk})
    assert response.status_code == 200
    assert "has delegates booked, so it cannot be deleted" in response.content.decode()
    assert "Cancel session" in response.content.decode()
    assert Session.objects.filter(pk=session.pk, cancelled_at__isnull=True).exists()


def test_a_session_of_a_run_nobody_has_booked_can_be_deleted(client, people, open_run):
    session = _run_with_two_sessions(open_run)
    client.force_login(people["staff"])
    response = post_run_edit_form(client, open_run, delete={session.pk})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert not Session.objects.filter(pk=session.pk).exists()


def test_changing_the_venue_bumps_every_session(teacher_booking):
    from courses.models import Venue

    run = CourseRun.objects.get(pk=teacher_booking.run_id)
    run.venue = Venue.objects.exclude(pk=run.venue_id).first()
    run.save()
    assert set(run.sessions.values_list("sequence", flat=True)) == {1}


def test_editing_a_venues_address_in_the_admin_updates_every_feed(
    client, people, teacher_booking, tmp_path
):
    feed = feeds.feed_for(people["teacher_a"])
    url = f"/calendar/u/{feed.token}.ics"
    before = client.get(url)
    venue = teacher_booking.run.venue
    client.force_login(people["staff"])
    response = client.post(
        f"/admin/snippets/courses/venue/edit/{venue.pk}/",
        {
            "name": venue.name,
            "address": "Unit 4, Riverside Business Park",
            "town": venue.town,
            "postcode": venue.postcode,
            "access_notes": venue.access_notes,
        },
    )
    assert response.status_code == 302, response.content[:500]
    client.logout()
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    sequences = {e[4] for e in parse_three_ways(after.content, tmp_path)}
    assert sequences == {1}  # calendars only take the new place when SEQUENCE rises
    assert (
        "Riverside Business Park" in Calendar.from_ical(after.content).walk("VEVENT")[0]["LOCATION"]
    )
    programme = client.get("/calendar/programme.ics").content
    # iCalendar folds long lines wherever 75 octets fall; read the feed unfolded.
    assert b"Riverside Business Park" in programme.replace(b"\r\n ", b"")


def test_a_venue_edit_that_changes_no_address_leaves_sessions_alone(teacher_booking):
    venue = teacher_booking.run.venue
    venue.access_notes = "Lift to every floor."
    venue.save()
    assert set(teacher_booking.run.sessions.values_list("sequence", flat=True)) == {0}


def test_a_session_across_the_october_clock_change_keeps_its_real_times(client, demo, tmp_path):
    run = CourseRun.objects.filter(status="open").first()
    start = dt.datetime(2027, 10, 31, 0, 30, tzinfo=LONDON)  # still BST (UTC+1)
    end = dt.datetime(2027, 10, 31, 3, 30, tzinfo=LONDON)  # now GMT (UTC+0)
    session = Session.objects.create(run=run, starts_at=start, ends_at=end)
    response = client.get("/calendar/programme.ics")
    events = {e[0]: e for e in parse_three_ways(response.content, tmp_path)}
    uid = feeds.session_uid(session)
    assert events[uid][1] == dt.datetime(2027, 10, 30, 23, 30, tzinfo=dt.UTC)
    assert events[uid][2] == dt.datetime(2027, 10, 31, 3, 30, tzinfo=dt.UTC)
    assert b"DTSTART;TZID=Europe/London:20271031T003000" in response.content


def test_sessions_across_several_years_of_clock_changes_keep_their_real_times(
    client, demo, tmp_path
):
    """ical.js once read the second summer of a feed an hour out (icalendar's generated
    VTIMEZONE lists later changes as RDATEs). Every parser must give the true instant."""
    run = CourseRun.objects.filter(status="open").first()
    made = {}
    day = dt.datetime(2026, 1, 6, 9, 0, tzinfo=LONDON)
    while day.year < 2029:
        session = Session.objects.create(
            run=run, starts_at=day, ends_at=day + dt.timedelta(hours=2)
        )
        made[feeds.session_uid(session)] = session.starts_at.astimezone(dt.UTC)
        day += dt.timedelta(days=23)
    events = {
        e[0]: e for e in parse_three_ways(client.get("/calendar/programme.ics").content, tmp_path)
    }
    wrong = {uid: (events[uid][1], utc) for uid, utc in made.items() if events[uid][1] != utc}
    assert not wrong
    summer = [utc for utc in made.values() if utc.month == 7]
    assert summer and all(utc.hour == 8 for utc in summer)  # 09:00 BST is 08:00 UTC


def test_the_published_london_rule_agrees_with_tzdata():
    """The VTIMEZONE is written out by hand as the UK rule; tzdata is the authority."""
    rule = feeds.LONDON_VTIMEZONE.to_tz()
    hour = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    disagree = []
    while hour.year < 2040:
        if hour.astimezone(rule).utcoffset() != hour.astimezone(LONDON).utcoffset():
            disagree.append(hour)
        hour += dt.timedelta(hours=1)
    assert not disagree


def test_cancelled_places_stay_30_days_as_cancelled_then_drop_out(
    client, people, teacher_booking, tmp_path
):
    enrolment = teacher_booking.enrolments.get()
    cancel_enrolment(enrolment.pk, by=people["teacher_a"])
    feed = feeds.feed_for(people["teacher_a"])
    events = parse_three_ways(client.get(f"/calendar/u/{feed.token}.ics").content, tmp_path)
    assert events and {e[3] for e in events} == {"CANCELLED"}
    Enrolment.objects.filter(pk=enrolment.pk).update(
        cancelled_at=timezone.now() - dt.timedelta(days=31)
    )
    assert parse_three_ways(client.get(f"/calendar/u/{feed.token}.ics").content, tmp_path) == []


def test_a_cancelled_run_shows_as_cancelled_in_the_programme(client, demo, people, tmp_path):
    from bookings.services import cancel_run

    run = CourseRun.objects.filter(status="open").first()
    cancel_run(run.pk, by=people["staff"], reason="Room unavailable")
    events = parse_three_ways(client.get("/calendar/programme.ics").content, tmp_path)
    statuses = {e[3] for e in events if e[0] in {feeds.session_uid(s) for s in run.sessions.all()}}
    assert statuses == {"CANCELLED"}


def test_feeds_are_rate_limited_per_token(client, people):
    feed = feeds.feed_for(people["teacher_a"])
    url = f"/calendar/u/{feed.token}.ics"
    codes = [client.get(url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    other = feeds.feed_for(people["teacher_b"])
    assert client.get(f"/calendar/u/{other.token}.ics").status_code == 200


def test_booking_attachments_parse_the_same_three_ways(people, teacher_booking, tmp_path):
    ics = feeds.ics_for_enrolment(teacher_booking.enrolments.get())
    assert len(parse_three_ways(ics, tmp_path)) == teacher_booking.run.sessions.count()


def test_the_public_feed_is_cached_until_a_session_changes(client, demo, monkeypatch):
    builds = []
    real = feeds.programme_calendar
    monkeypatch.setattr(
        feeds, "programme_calendar", lambda *a, **kw: builds.append(1) or real(*a, **kw)
    )
    first = client.get("/calendar/programme.ics").content
    assert client.get("/calendar/programme.ics").content == first
    assert len(builds) == 1, "the second request is served from the cache"
    session = Session.objects.filter(run__status="open").first()
    session.ends_at += dt.timedelta(minutes=30)
    session.save()
    changed = client.get("/calendar/programme.ics").content
    assert len(builds) == 2 and changed != first
    assert b"SEQUENCE:1" in changed


def _queries_to_build():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = feeds.programme_calendar()
    return len(queries), body


def _clear_cached_events():
    """Empty the cache, then put back Wagtail's site root paths, as any request would."""
    from django.core.cache import cache
    from wagtail.models import Site

    cache.clear()
    Site.get_site_root_paths()


def test_building_the_programme_feed_takes_the_same_queries_at_any_size(demo):
    _clear_cached_events()
    small_cold, _ = _queries_to_build()
    small_warm, _ = _queries_to_build()
    run = CourseRun.objects.filter(status="open").first()
    start = timezone.now() + dt.timedelta(days=60)
    Session.objects.bulk_create(
        Session(
            run=run,
            starts_at=start + dt.timedelta(hours=i),
            ends_at=start + dt.timedelta(hours=i, minutes=45),
        )
        for i in range(200)
    )
    one_run_changed, body = _queries_to_build()
    assert body.count(b"BEGIN:VEVENT") >= 200
    assert one_run_changed == small_cold
    assert _queries_to_build()[0] == small_warm
    _clear_cached_events()
    assert _queries_to_build()[0] == small_cold


def test_after_a_change_only_that_runs_events_are_written_again(demo, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    fresh = feeds.programme_calendar()
    written = []
    real = feeds._event
    monkeypatch.setattr(writer, "_event", lambda *a: written.append(a[0].run.pk) or real(*a))
    assert feeds.programme_calendar() == fresh and written == [], "all from the cache"

    session = Session.objects.filter(run__status="open").order_by("pk").first()
    session.starts_at += dt.timedelta(hours=1)
    session.ends_at += dt.timedelta(hours=1)
    session.save()
    assembled = feeds.programme_calendar()
    assert set(written) == {session.run_id}
    assert len(written) == session.run.sessions.count()
    cache.clear()
    assert assembled == feeds.programme_calendar(), "the cached parts add up to a fresh build"


@pytest.mark.parametrize("change", ["venue address", "course title", "run status"])
def test_cached_events_follow_every_change_they_show(demo, change):
    from django.core.cache import cache

    from courses.models import Venue

    run = CourseRun.objects.filter(status="open", venue__isnull=False).first()
    before = feeds.programme_calendar()
    if change == "venue address":
        Venue.objects.filter(pk=run.venue_id).update(address="1 New Street")
    elif change == "course title":
        page = run.course
        page.title = "A retitled course"
        page.save_revision().publish()
    else:
        run.status = CourseRun.Status.CLOSED
        run.save()
    after = feeds.programme_calendar()
    assert after != before
    cache.clear()
    assert after == feeds.programme_calendar()
