"""A CPD lead puts several colleagues on a full run's waiting list as one group. Offers come
to the lead, for as many of the group's places as are free in the group's turn; the lead
chooses who takes them; places not taken, or not taken in time, pass to the next in line.

The run lists at £150.00 a place; Oakfield's band pays the list price and the course bears
VAT at 20 %, so a place is £150.00 + £30.00 VAT = £180.00, and two are £300.00 + £60.00 =
£360.00 (worked by hand from those terms)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Enrolment, WaitingListEntry, WaitingListMember
from bookings.services import BookingRefused, BookingRequest, Delegate
from tests.factories import courses


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def full_run(db, people, staff_of):
    """Three places at £150.00, every one taken by Riverside staff (a phone booking)."""
    run = courses.run(capacity=3, price="150.00", days=(30,))
    riverside = people["school_b"]
    riverside.bookings_need_approval = False
    riverside.save()
    booking = services.book_places(
        run.pk,
        BookingRequest(
            school=riverside,
            booked_by=people["staff"],
            delegates=[Delegate(u) for u in staff_of(riverside, 3, prefix="river")],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )
    run.taken = list(booking.enrolments.all())
    return run


@pytest.fixture
def colleagues(people, oakfield, staff_of):
    return staff_of(oakfield, 3, prefix="group")


def _group(run, people, colleagues):
    return services.join_waiting_list_as_group(
        run.pk, people=colleagues, school=people["school_a"], lead=people["lead_a"]
    )


def _behind(run, people):
    """Ravi, from Riverside, waiting alone behind the group."""
    return services.join_waiting_list(
        run.pk, person=people["teacher_b"], school=people["school_b"], added_by=people["teacher_b"]
    )


def _free(run, n, people):
    for place in run.taken[:n]:
        services.cancel_enrolment(place.pk, by=people["staff"])


def _accept_path(message):
    return message.body.split("http://testserver", 1)[1].split()[0]


def test_the_full_run_page_lets_a_lead_put_colleagues_on_the_list_together(
    client, full_run, people, oakfield, colleagues, on_commit
):
    client.force_login(people["lead_a"])
    page = client.get(f"/book/{full_run.pk}/?school={oakfield.pk}").content.decode()
    assert f'action="/book/{full_run.pk}/waiting-list/"' in page
    assert "Put them on the waiting list" in page
    mail.outbox.clear()
    with on_commit():
        response = client.post(
            f"/book/{full_run.pk}/waiting-list/",
            {"school": oakfield.pk, "delegate": [c.pk for c in colleagues]},
        )
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get(run=full_run)
    assert entry.is_group and entry.person == people["lead_a"] and entry.places == 3
    assert {m.person for m in entry.members.all()} == set(colleagues)
    (joined,) = mail.outbox
    assert joined.to == ["cpdlead@oakfield.sch.uk"]
    assert "3 colleagues from Oakfield" in joined.body
    # Three places at £150.00: £450.00 + £90.00 VAT = £540.00.
    assert "£540.00" in joined.body and "£90.00" in joined.body
    mine = client.get("/bookings/").content.decode()
    assert "3 colleagues from Oakfield" in mine
    school = client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    assert "On waiting lists (1)" in school


def test_the_full_answer_to_several_colleagues_offers_the_group(
    client, full_run, people, oakfield, colleagues
):
    client.force_login(people["lead_a"])
    data = {"school": oakfield.pk, "delegate": [c.pk for c in colleagues[:2]], "terms": "on"}
    html = client.post(f"/book/{full_run.pk}/details/", data).content.decode()
    assert "Put them on the waiting list" in html
    for c in colleagues[:2]:
        assert f'name="delegate" value="{c.pk}"' in html


def test_an_offer_is_for_as_many_of_the_groups_places_as_are_free(
    full_run, people, colleagues, on_commit
):
    entry = _group(full_run, people, colleagues)
    ravi = _behind(full_run, people)
    mail.outbox.clear()
    with on_commit():
        _free(full_run, 2, people)
    entry.refresh_from_db()
    ravi.refresh_from_db()
    assert (entry.status, entry.places_offered, ravi.status) == ("offered", 2, "waiting")
    assert services.places_left(full_run.pk) == 0, "the two offered places are held"
    (offer,) = [m for m in mail.outbox if m.to == ["cpdlead@oakfield.sch.uk"]]
    assert "2 places have come up" in offer.body
    assert "£360.00" in offer.body  # 2 × £150.00 + 2 × £30.00 VAT


def test_the_lead_accepts_for_some_and_the_place_not_taken_passes_on(
    client, full_run, people, colleagues, on_commit
):
    entry = _group(full_run, people, colleagues)
    ravi = _behind(full_run, people)
    mail.outbox.clear()
    with on_commit():
        _free(full_run, 2, people)
    path = _accept_path(next(m for m in mail.outbox if m.to == ["cpdlead@oakfield.sch.uk"]))
    client.force_login(people["lead_a"])
    page = client.get(path).content.decode()
    assert "2 places have come up for your colleagues" in page
    assert "£360.00" in page and "£60.00" in page
    with on_commit():
        response = client.post(path, {"delegate": [colleagues[1].pk]})
    assert response.status_code == 302
    place = Enrolment.objects.get(run=full_run, delegate=colleagues[1])
    assert place.status == "confirmed" and place.booking.source == "waiting_list"
    assert place.booking.booked_by == people["lead_a"] and place.price == 150
    assert not Enrolment.objects.filter(run=full_run, delegate=colleagues[0]).exists()
    entry.refresh_from_db()
    ravi.refresh_from_db()
    assert entry.status == "accepted", "a place turned down ends the group's wait"
    assert ravi.status == "offered" and ravi.places_offered == 1, "the other place passes on"
    assert client.post(path, {"delegate": [colleagues[0].pk]}).status_code == 404


def test_taking_every_place_offered_keeps_the_others_in_line(
    full_run, people, colleagues, on_commit
):
    entry = _group(full_run, people, colleagues)
    ravi = _behind(full_run, people)
    _free(full_run, 2, people)
    with on_commit():
        services.offer_next_place(full_run.pk)
        services.accept_offer(entry.pk, by=people["lead_a"], people=colleagues[:2])
    entry.refresh_from_db()
    assert (entry.status, entry.places, entry.places_offered) == ("waiting", 1, 0)
    assert [p for p in WaitingListEntry.objects.get(pk=entry.pk).people_waiting] == [colleagues[2]]
    with on_commit():
        services.cancel_enrolment(full_run.taken[2].pk, by=people["staff"])
    entry.refresh_from_db()
    ravi.refresh_from_db()
    assert (entry.status, entry.places_offered, ravi.status) == ("offered", 1, "waiting")


def test_an_expired_group_offer_passes_every_place_on(full_run, people, colleagues, on_commit):
    entry = _group(full_run, people, colleagues)
    ravi = _behind(full_run, people)
    _free(full_run, 2, people)
    services.offer_next_place(full_run.pk)
    with on_commit():
        services.expire_offers(now=timezone.now() + dt.timedelta(hours=49))
    entry.refresh_from_db()
    ravi.refresh_from_db()
    assert entry.status == "expired" and ravi.status == "offered"
    assert services.places_left(full_run.pk) == 1, "one place is free for anyone to book"
    with pytest.raises(BookingRefused, match="expired"):
        services.accept_offer(entry.pk, by=people["lead_a"], people=colleagues[:1])
    assert not Enrolment.objects.filter(run=full_run, delegate__in=colleagues).exists()


def test_accepting_more_than_offered_or_someone_outside_the_group_writes_nothing(
    client, full_run, people, colleagues, staff_of, on_commit
):
    entry = _group(full_run, people, colleagues)
    mail.outbox.clear()
    with on_commit():
        _free(full_run, 1, people)
    path = _accept_path(next(m for m in mail.outbox if m.to == ["cpdlead@oakfield.sch.uk"]))
    client.force_login(people["lead_a"])
    before = Enrolment.objects.count()

    too_many = client.post(path, {"delegate": [c.pk for c in colleagues[:2]]})
    assert too_many.status_code == 400
    assert "The offer is for 1 place; you chose 2." in too_many.content.decode()
    stranger = staff_of(people["school_a"], 1, prefix="outside")[0]
    outside = client.post(path, {"delegate": [stranger.pk]})
    assert "Choose from the colleagues in this waiting-list group." in outside.content.decode()
    nobody = client.post(path, {})
    assert "There is a problem" in nobody.content.decode()
    assert "Choose who takes the places." in nobody.content.decode()
    assert Enrolment.objects.count() == before
    entry.refresh_from_db()
    assert entry.status == "offered"

    # The offer is the lead's: a colleague in the group cannot open it.
    client.force_login(colleagues[0])
    assert client.get(path).status_code == 404
    with pytest.raises(BookingRefused, match="not found"):
        services.accept_offer(entry.pk, by=colleagues[0], people=[colleagues[0]])


def test_a_colleague_who_left_the_school_cannot_be_given_the_place(full_run, people, colleagues):
    entry = _group(full_run, people, colleagues)
    _free(full_run, 1, people)
    services.offer_next_place(full_run.pk)
    colleagues[0].memberships.all().delete()
    with pytest.raises(BookingRefused, match="No longer on Oakfield"):
        services.accept_offer(entry.pk, by=people["lead_a"], people=[colleagues[0]])
    assert not Enrolment.objects.filter(run=full_run, delegate=colleagues[0]).exists()


@pytest.mark.parametrize(
    "case, message",
    [
        ("teacher", "Only your school's CPD lead"),
        ("other school", "Not on Oakfield Primary School's staff list"),
        ("already waiting", "Already on the waiting list"),
        ("places left", "There are places left"),
        ("twice", "listed twice"),
    ],
)
def test_bad_group_requests_are_refused_and_write_nothing(
    case, message, full_run, people, colleagues
):
    school, lead, group = people["school_a"], people["lead_a"], list(colleagues)
    if case == "teacher":
        lead = people["teacher_a"]
    elif case == "other school":
        group.append(people["teacher_b"])
    elif case == "already waiting":
        services.join_waiting_list(full_run.pk, person=group[0], school=school, added_by=lead)
    elif case == "places left":
        _free(full_run, 1, people)
    elif case == "twice":
        group.append(group[0])
    groups_before = WaitingListEntry.objects.filter(is_group=True).count()
    with pytest.raises(BookingRefused, match=message):
        services.join_waiting_list_as_group(full_run.pk, people=group, school=school, lead=lead)
    assert WaitingListEntry.objects.filter(is_group=True).count() == groups_before
    assert not WaitingListMember.objects.exists()


def test_a_teacher_posting_several_colleagues_is_refused(client, full_run, people, colleagues):
    client.force_login(people["teacher_a"])
    response = client.post(
        f"/book/{full_run.pk}/waiting-list/",
        {"school": people["school_a"].pk, "delegate": [c.pk for c in colleagues]},
        follow=True,
    )
    assert "Only your school&#x27;s CPD lead can add colleagues." in response.content.decode()
    assert not WaitingListEntry.objects.filter(run=full_run).exists()


def test_someone_in_a_group_cannot_also_wait_alone(full_run, people, colleagues):
    _group(full_run, people, colleagues)
    with pytest.raises(BookingRefused, match="already on the waiting list"):
        services.join_waiting_list(
            full_run.pk, person=colleagues[0], school=people["school_a"], added_by=colleagues[0]
        )


def test_the_database_keeps_an_offer_within_the_group(full_run, people, colleagues):
    entry = _group(full_run, people, colleagues)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingListEntry.objects.filter(pk=entry.pk).update(places_offered=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingListEntry.objects.filter(pk=entry.pk).update(is_group=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingListEntry.objects.filter(pk=entry.pk).update(
            status="offered", offer_expires_at=timezone.now(), places_offered=0
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingListMember.objects.create(entry=entry, person=colleagues[0])


def test_staff_promote_a_whole_group(full_run, people, colleagues):
    entry = _group(full_run, people, colleagues)
    _free(full_run, 3, people)
    services.promote_from_waiting_list(entry.pk, by=people["staff"])
    assert set(
        Enrolment.objects.filter(run=full_run).live().values_list("delegate", flat=True)
    ) == {c.pk for c in colleagues}
    entry.refresh_from_db()
    assert entry.status == "accepted"


def test_the_choosing_page_with_nobody_ticked_puts_nobody_on_the_list(
    client, full_run, people, oakfield
):
    client.force_login(people["lead_a"])
    response = client.post(
        f"/book/{full_run.pk}/waiting-list/", {"school": oakfield.pk, "chosen": "1"}, follow=True
    )
    assert "Choose at least one person to put on the waiting list." in response.content.decode()
    assert not WaitingListEntry.objects.filter(run=full_run).exists()
