"""Leaving a waiting list: a person takes themselves off, a CPD lead (the school's or its
trust's) takes off a colleague, a whole entry or one person from a group. A group's places
shrink with it; places a live offer held and no longer needs go to the next in line at once.
Anyone else is answered 404 and nothing changes."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from bookings import services
from bookings.models import Booking, WaitingListEntry, WaitingListMember
from bookings.services import BookingRefused, BookingRequest, Delegate
from tests.factories import courses

WAITING, OFFERED, WITHDRAWN = "waiting", "offered", "withdrawn"


@pytest.fixture
def oakfield(people):
    school = people["school_a"]
    school.bookings_need_approval = False
    school.save()
    return school


@pytest.fixture
def full_run(db, people, staff_of):
    """Three places, every one taken by Riverside staff (a phone booking)."""
    run = courses.run(capacity=3, price="150.00", days=(30,))
    riverside = people["school_b"]
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


def _alone(run, person, school):
    return services.join_waiting_list(run.pk, person=person, school=school, added_by=person)


def _group(run, people, colleagues):
    return services.join_waiting_list_as_group(
        run.pk, people=colleagues, school=people["school_a"], lead=people["lead_a"]
    )


def _free(run, n, people):
    for place in run.taken[:n]:
        services.cancel_enrolment(place.pk, by=people["staff"])


def _state(entry):
    entry.refresh_from_db()
    return entry.status, entry.places, entry.places_offered


def test_a_teacher_leaves_their_own_entry_from_my_bookings(client, full_run, people, oakfield):
    tom = people["teacher_a"]
    entry = _alone(full_run, tom, oakfield)
    client.force_login(tom)
    mine = client.get("/bookings/").content.decode()
    leave = f"/waiting-list/{entry.pk}/leave/"
    assert f'href="{leave}?next=/bookings/"' in mine
    page = client.get(leave).content.decode()
    assert "Leave the waiting list?" in page and full_run.reference in page
    response = client.post(leave, {"next": "/bookings/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/bookings/"
    html = response.content.decode()
    assert f"You have left the waiting list for {full_run.course.title}" in html
    assert _state(entry)[0] == WITHDRAWN
    assert leave not in html  # no longer listed
    # They may join again, at the end of the line.
    assert _alone(full_run, tom, oakfield).status == WAITING


def test_a_lead_takes_a_colleague_out_of_a_group_and_its_places_shrink(
    client, full_run, people, colleagues
):
    entry = _group(full_run, people, colleagues)
    client.force_login(people["lead_a"])
    school_page = client.get(f"/school/{people['school_a'].pk}/bookings/").content.decode()
    out = f"/waiting-list/{entry.pk}/person/{colleagues[0].pk}/leave/"
    assert f'href="{out}?next=' in school_page
    page = client.get(out).content.decode()
    assert "one of 3 colleagues from Oakfield Primary School waiting together" in page
    response = client.post(out, follow=True)
    assert "is off the waiting list" in response.content.decode()
    assert "2 still waiting in the group." in response.content.decode()
    assert _state(entry) == (WAITING, 2, 0)
    assert not entry.members.filter(person=colleagues[0]).exists()
    # Out of the group, they may wait on their own.
    assert _alone(full_run, colleagues[0], people["school_a"]).status == WAITING


def test_a_colleague_sees_their_group_on_my_bookings_and_leaves_it(
    client, full_run, people, colleagues
):
    entry = _group(full_run, people, colleagues)
    me = colleagues[1]
    client.force_login(me)
    mine = client.get("/bookings/").content.decode()
    mine_link = f"/waiting-list/{entry.pk}/person/{me.pk}/leave/"
    assert mine_link in mine and "put on by Chloe Lead" in mine
    # The links to take the others off, or the whole group, are the lead's, not theirs.
    assert f"/person/{colleagues[0].pk}/leave/" not in mine
    assert f"/waiting-list/{entry.pk}/leave/" not in mine
    page = client.get(mine_link).content.decode()
    assert "Leave the waiting list?" in page
    response = client.post(mine_link, follow=True)
    assert "You have left the waiting list" in response.content.decode()
    assert _state(entry) == (WAITING, 2, 0)


def test_the_last_colleague_to_go_withdraws_the_group(full_run, people, colleagues):
    entry = _group(full_run, people, colleagues[:2])
    services.leave_waiting_list(entry.pk, by=people["lead_a"], person=colleagues[0])
    after = services.leave_waiting_list(entry.pk, by=colleagues[1], person=colleagues[1])
    assert (after.status, after.places) == (WITHDRAWN, 1)
    assert list(WaitingListMember.objects.filter(entry=entry).values_list("person", flat=True)) == [
        colleagues[1].pk
    ]


def test_an_offered_single_place_passes_to_the_next_in_line(
    full_run, people, oakfield, django_capture_on_commit_callbacks
):
    tom = _alone(full_run, people["teacher_a"], oakfield)
    ravi = _alone(full_run, people["teacher_b"], people["school_b"])
    _free(full_run, 1, people)
    services.offer_next_place(full_run.pk)
    assert _state(tom)[0] == OFFERED and _state(ravi)[0] == WAITING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_waiting_list(tom.pk, by=people["lead_a"])
    assert _state(tom)[0] == WITHDRAWN
    assert _state(ravi) == (OFFERED, 1, 1)
    assert [m.to for m in mail.outbox] == [["teacher@riverside-academy.org.uk"]]


def test_a_group_keeps_its_offer_until_it_has_fewer_people_than_places_held(
    full_run, people, colleagues
):
    """Three colleagues are offered two places; Ravi waits behind them. One colleague going
    leaves two people for two places; a second going frees one place, which Ravi is offered."""
    entry = _group(full_run, people, colleagues)
    ravi = _alone(full_run, people["teacher_b"], people["school_b"])
    _free(full_run, 2, people)
    services.offer_next_place(full_run.pk)
    assert _state(entry) == (OFFERED, 3, 2)
    services.leave_waiting_list(entry.pk, by=people["lead_a"], person=colleagues[0])
    assert _state(entry) == (OFFERED, 2, 2) and _state(ravi)[0] == WAITING
    services.leave_waiting_list(entry.pk, by=people["lead_a"], person=colleagues[1])
    assert _state(entry) == (OFFERED, 1, 1)
    assert _state(ravi) == (OFFERED, 1, 1)
    # Every place is still held by exactly one offer: two free, two offered.
    assert services.places_left(full_run.pk) == 0


def test_withdrawing_an_offered_group_passes_all_its_places_on(
    client, full_run, people, colleagues
):
    entry = _group(full_run, people, colleagues)
    ravi = _alone(full_run, people["teacher_b"], people["school_b"])
    _free(full_run, 1, people)
    services.offer_next_place(full_run.pk)
    client.force_login(people["lead_a"])
    page = client.get(f"/waiting-list/{entry.pk}/leave/").content.decode()
    assert "Take the group off the waiting list?" in page
    assert "It goes to the next person waiting." in page
    response = client.post(f"/waiting-list/{entry.pk}/leave/", follow=True)
    said = response.content.decode()
    assert "The group of 3 colleagues is off the waiting list" in said
    assert "The place held goes to the next person waiting." in said
    assert _state(entry)[0] == WITHDRAWN and _state(ravi)[0] == OFFERED


def test_a_trust_cpd_lead_takes_an_entry_off_a_consortium_lead_cannot(
    client, full_run, people, oakfield, group_people
):
    entry = _alone(full_run, people["teacher_a"], oakfield)
    url = f"/waiting-list/{entry.pk}/leave/"
    client.force_login(group_people["consortium_lead"])
    school_page = client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    assert "On waiting lists (1)" in school_page and url not in school_page
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert _state(entry)[0] == WAITING
    client.force_login(group_people["other_trust_lead"])
    assert client.post(url).status_code == 404
    assert _state(entry)[0] == WAITING
    client.force_login(group_people["trust_lead"])
    assert url in client.get(f"/school/{oakfield.pk}/bookings/").content.decode()
    response = client.post(url, follow=True)
    assert "Tom Teacher is off the waiting list" in response.content.decode()
    assert response.redirect_chain[-1][0] == f"/school/{oakfield.pk}/bookings/"
    assert _state(entry)[0] == WITHDRAWN


def test_an_attacker_cannot_take_someone_else_off(client, full_run, people, oakfield, colleagues):
    tom = _alone(full_run, people["teacher_a"], oakfield)
    group = _group(full_run, people, colleagues)
    # Ravi, at another school; Frank, finance at Oakfield; a colleague in the group.
    attempts = {
        people["teacher_b"]: [
            f"/waiting-list/{tom.pk}/leave/",
            f"/waiting-list/{group.pk}/leave/",
            f"/waiting-list/{group.pk}/person/{colleagues[0].pk}/leave/",
            # Naming themselves, on an entry they are not in.
            f"/waiting-list/{tom.pk}/person/{people['teacher_b'].pk}/leave/",
            f"/waiting-list/{group.pk}/person/{people['teacher_b'].pk}/leave/",
        ],
        people["finance_a"]: [
            f"/waiting-list/{tom.pk}/leave/",
            f"/waiting-list/{group.pk}/person/{colleagues[0].pk}/leave/",
        ],
        colleagues[1]: [
            f"/waiting-list/{group.pk}/leave/",
            f"/waiting-list/{group.pk}/person/{colleagues[0].pk}/leave/",
            f"/waiting-list/{tom.pk}/leave/",
        ],
    }
    for attacker, urls in attempts.items():
        client.force_login(attacker)
        for url in urls:
            assert client.get(url).status_code == 404, (attacker, url)
            assert client.post(url).status_code == 404, (attacker, url)
    assert _state(tom) == (WAITING, 1, 0)
    assert _state(group) == (WAITING, 3, 0)
    assert group.members.count() == 3
    # The service refuses the same people, whatever a caller passes it.
    for attacker, person in ((people["teacher_b"], None), (colleagues[1], colleagues[0])):
        with pytest.raises(BookingRefused) as refused:
            services.leave_waiting_list(group.pk, by=attacker, person=person)
        assert refused.value.code == "not_found"
    with pytest.raises(BookingRefused):
        services.leave_waiting_list(tom.pk, by=people["lead_a"], person=people["teacher_b"])
    assert _state(tom) == (WAITING, 1, 0) and _state(group) == (WAITING, 3, 0)


def test_bad_input_is_answered_plainly_and_writes_nothing(
    client, full_run, people, oakfield, colleagues
):
    tom = _alone(full_run, people["teacher_a"], oakfield)
    client.force_login(people["teacher_a"])
    for url in (
        "/waiting-list/nope/leave/",
        "/waiting-list/99999999/leave/",
        f"/waiting-list/{tom.pk}/person/x/leave/",
    ):
        assert client.post(url).status_code == 404, url
    assert client.post("/waiting-list/1%00/leave/").status_code in (400, 404)
    client.post(f"/waiting-list/{tom.pk}/leave/")
    # Leaving twice: told plainly, and nothing else changes.
    page = client.get(f"/waiting-list/{tom.pk}/leave/").content.decode()
    assert "no longer on the waiting list" in page and "<button" not in page.split("<main")[-1]
    response = client.post(f"/waiting-list/{tom.pk}/leave/", follow=True)
    assert "That entry is no longer on the waiting list." in response.content.decode()
    assert _state(tom) == (WITHDRAWN, 1, 0)
    # A colleague who already took a place from the group is not "left" from it.
    group = _group(full_run, people, colleagues)
    _free(full_run, 1, people)
    services.offer_next_place(full_run.pk)
    services.accept_offer(group.pk, by=people["lead_a"], people=[colleagues[0]])
    client.force_login(people["lead_a"])
    response = client.post(
        f"/waiting-list/{group.pk}/person/{colleagues[0].pk}/leave/", follow=True
    )
    assert "already took a place from this group" in response.content.decode()
    assert _state(group) == (WAITING, 2, 0)
    # A redirect elsewhere is refused: back to the page's own home.
    response = client.post(
        f"/waiting-list/{group.pk}/person/{colleagues[1].pk}/leave/",
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == f"/school/{oakfield.pk}/bookings/"


def test_the_constraints_still_hold_a_group_to_its_people(full_run, people, colleagues):
    entry = _group(full_run, people, colleagues)
    _free(full_run, 2, people)
    services.offer_next_place(full_run.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitingListEntry.objects.filter(pk=entry.pk).update(places=1)
