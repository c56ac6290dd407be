"""Owner-only access for every bookings URL that takes an id: 404 for everyone else."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.models import Consortium, User
from billing import services as billing
from billing.models import Account
from bookings import attendance
from bookings.models import (
    Attendance,
    Booking,
    Enrolment,
    RegisterClosure,
    Reservation,
    WaitingListEntry,
)
from bookings.services import (
    BookingRequest,
    Delegate,
    book_places,
    decide_enrolment,
    join_waiting_list,
    join_waiting_list_as_group,
    reserve_places,
)
from courses.models import CoursePage, CourseRun, Session
from tests import people as how
from tests.factories import accounts, courses

CALLERS = [
    "anonymous",
    "teacher_a",
    "lead_a",
    "finance_a",
    "teacher_b",
    "staff",
    "facilitator",  # leads the after-course runs below
    "other_facilitator",  # leads other courses
    "consortium_lead",  # leads Oakfield's consortium, whose budget asks for their approval
    "other_consortium_lead",  # leads Riverside's
]
# Open to every signed-in person by design (they act on the caller's own behalf).
OPEN_TO_ALL = {"book", "details", "join_waiting_list", "mine", "accept_offer"}
# Opened by a secret token or a certificate's number, not an id; tested in
# test_calendar_feeds.py and tests/attendance/test_certificates.py (and below).
BY_TOKEN = {"personal_feed", "school_feed", "strand_feed", "verify_certificate"}
PLACE_PEOPLE = {"teacher_a", "lead_a", "staff"}  # the delegate, the school's lead, the CPD team
REGISTER_TAKERS = {"facilitator", "staff"}  # the run's facilitator and the CPD team
# Who sees a school's bookings and CPD record: its lead, the CPD team, its consortium's lead.
OVERSEERS = {"lead_a", "staff", "consortium_lead"}


@pytest.fixture
def callers(people, make_user):
    """The cast, with Sarah Whitfield (a facilitator login in the Facilitators group) and Ruth
    Calloway (a staff login), each leading a course of their own."""
    sarah = accounts.staff(
        "facilitator@example.gov.uk", roles.FACILITATORS, first_name="Sarah", last_name="Whitfield"
    )
    ruth = make_user("ruth.calloway@example.gov.uk", is_staff=True)
    for name, user in (("Sarah Whitfield", sarah), ("Ruth Calloway", ruth)):
        courses.course(facilitators=[courses.facilitator(name, user=user)])
    admin = how.superuser_client(Client)
    leads = {}
    for caller, school, name in (
        ("consortium_lead", people["school_a"], "Haverleigh Schools Consortium"),
        ("other_consortium_lead", people["school_b"], "Northwich Partnership"),
    ):
        consortium = Consortium.objects.create(name=name)
        consortium.schools.add(school)
        leads[caller] = accounts.user(f"{caller}@partnership.example")
        how.add_consortium_lead_in_wagtail(admin, leads[caller], consortium)
    return {**people, "facilitator": sarah, "other_facilitator": ruth, **leads}


def _past_run(reference, days_ago):
    """A run of a course Sarah leads, its one session `days_ago` days back (started an hour
    before that)."""
    start = timezone.now() - dt.timedelta(days=days_ago, hours=1)
    run = CourseRun.objects.create(
        course=CoursePage.objects.get(facilitators__name="Sarah Whitfield"),
        reference=reference,
        status=CourseRun.Status.CLOSED,
        venue=courses.venue(),
    )
    Session.objects.create(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    return run


def _phone_booking(run, people, *delegates):
    return book_places(
        run.pk,
        BookingRequest(
            school=people["school_a"],
            booked_by=people["staff"],
            delegates=[Delegate(d) for d in delegates],
            source=Booking.Source.PHONE,
            notify=False,
        ),
    )


@pytest.fixture
def after_course(callers):
    """Yesterday's closed register (Tom attended, evaluated, has a certificate and a follow-up;
    Frank did not come) and today's open one (Chloe not yet marked)."""
    people, sarah = callers, callers["facilitator"]
    closed = _past_run("MATRIX-1", 1)
    booking = _phone_booking(closed, people, people["teacher_a"], people["finance_a"])
    tom = booking.enrolments.get(delegate=people["teacher_a"])
    frank = booking.enrolments.get(delegate=people["finance_a"])
    session = closed.sessions.get()
    attendance.mark_attendance(session.pk, tom.pk, present=True, by=sarah)
    attendance.mark_attendance(session.pk, frank.pk, present=False, by=sarah)
    attendance.close_register(closed.pk, by=sarah, notify=False)
    attendance.submit_evaluation(
        tom.pk,
        by=people["teacher_a"],
        ratings={"quality": 5, "relevance": 5, "facilitator": 5},
        will_do_differently="More",
    )
    ends = closed.sessions.get().ends_at
    attendance.send_impact_follow_ups(now=ends + dt.timedelta(days=43))
    open_run = _past_run("MATRIX-2", 0)
    chloe = _phone_booking(open_run, people, people["lead_a"]).enrolments.get()
    return {
        "closed": closed,
        "attended": tom,
        "no_show": frank,
        "open": open_run,
        "session": open_run.sessions.get(),
        "unmarked": chloe,
    }


@pytest.fixture
def objects(open_run, people, after_course):
    school = people["school_a"]
    school.bookings_need_approval = True
    school.approval_spend_threshold = Decimal("150.00")  # the course costs £200.00 a place
    school.save()
    dear = book_places(
        courses.run(capacity=3).pk,
        BookingRequest(
            school=school,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    ).enrolments.get()
    decide_enrolment(dear.pk, by=people["lead_a"], approve=True)  # now with finance
    booking = book_places(
        open_run.pk,
        BookingRequest(
            school=school,
            booked_by=people["teacher_a"],
            terms_accepted=True,
            delegates=[Delegate(people["teacher_a"])],
        ),
    )
    # Places Chloe reserved on a run far enough off to name people on it.
    reservation = reserve_places(
        courses.run(days=(40,)).pk,
        school=school,
        by=people["lead_a"],
        places_wanted=2,
        terms_accepted=True,
    )
    # A place the CPD lead books for the head, which the consortium's £500 budget would pay:
    # it waits for the consortium's lead.
    consortium = Consortium.objects.get(name="Haverleigh Schools Consortium")
    consortium.budget_needs_approval = True
    consortium.save()
    budget = Account.objects.create(consortium=consortium, kind=Account.Kind.CONSORTIUM)
    billing.adjust_credit(budget, Decimal("500.00"), reason="Partnership pot", by=None)
    from_budget = book_places(
        courses.run(capacity=3).pk,
        BookingRequest(
            school=school,
            booked_by=people["lead_a"],
            terms_accepted=True,
            delegates=[Delegate(people["head_a"])],
        ),
    ).enrolments.get()
    assert from_budget.approval_stage == "consortium"
    # A full run: Tom waits on it alone, and Frank in a group of one Chloe put on it.
    full = courses.run(capacity=1)
    _phone_booking(full, people, people["head_a"])
    alone = join_waiting_list(
        full.pk, person=people["teacher_a"], school=school, added_by=people["teacher_a"]
    )
    group = join_waiting_list_as_group(
        full.pk, people=[people["finance_a"]], school=school, lead=people["lead_a"]
    )
    return {
        "waiting": alone,
        "waiting_group": group,
        "booking": booking,
        "enrolment": booking.enrolments.get(),
        "with_finance": dear,
        "with_consortium": from_budget,
        "school": school,
        "reservation": reservation,
        **after_course,
    }


def _targets(o, people):
    e, ref, a = o["enrolment"].pk, o["booking"].reference, o["school"].pk
    r = o["reservation"].pk
    return {
        "booking detail": ("get", f"/bookings/{ref}/", None, PLACE_PEOPLE),
        "cancel page": ("get", f"/bookings/place/{e}/cancel/", None, PLACE_PEOPLE),
        "cancel": ("post", f"/bookings/place/{e}/cancel/", {"confirm": "on"}, PLACE_PEOPLE),
        "decide": (
            "post",
            f"/bookings/place/{e}/decide/",
            {"decision": "decline"},
            {"lead_a", "staff"},
        ),
        "decide page": ("get", f"/bookings/place/{e}/decide/", None, {"lead_a", "staff"}),
        # At the finance stage its finance contact may open it too (the lead and the CPD team
        # see it, and are refused the decision: test_approvals.py).
        "decide page, finance stage": (
            "get",
            f"/bookings/place/{o['with_finance'].pk}/decide/",
            None,
            {"finance_a", "lead_a", "staff"},
        ),
        "decide, finance stage": (
            "post",
            f"/bookings/place/{o['with_finance'].pk}/decide/",
            {"decision": "decline", "reason": "Over budget"},
            {"finance_a", "lead_a", "staff"},
        ),
        # At the consortium stage only that consortium's leads decide (the school's managers
        # and the CPD team see it, and are refused the decision: test_consortium_budget_approval).
        "decide page, consortium stage": (
            "get",
            f"/bookings/place/{o['with_consortium'].pk}/decide/",
            None,
            {"consortium_lead", "lead_a", "staff"},
        ),
        "decide, consortium stage": (
            "post",
            f"/bookings/place/{o['with_consortium'].pk}/decide/",
            {"decision": "decline", "reason": "Pot kept for SEND"},
            {"consortium_lead", "lead_a", "staff"},
        ),
        "substitute page": ("get", f"/bookings/place/{e}/substitute/", None, PLACE_PEOPLE),
        "substitute": (
            "post",
            f"/bookings/place/{e}/substitute/",
            {"delegate": people["finance_a"].pk},
            PLACE_PEOPLE,
        ),
        "transfer page": ("get", f"/bookings/place/{e}/transfer/", None, PLACE_PEOPLE),
        "transfer": ("post", f"/bookings/place/{e}/transfer/", {"run": "1"}, PLACE_PEOPLE),
        "calendar": ("get", f"/bookings/place/{e}/calendar.ics", None, PLACE_PEOPLE),
        # A consortium's leads oversee its schools' bookings and CPD records.
        "school bookings": ("get", f"/school/{a}/bookings/", None, OVERSEERS),
        "unknown booking": ("get", "/bookings/BK-NOPE123/", None, set()),
        "rotate school calendar": (
            "post",
            f"/calendar/school/{a}/rotate/",
            {},
            {"lead_a", "staff"},
        ),
        # Only the school's managers add colleagues to its staff list.
        "add colleague": (
            "post",
            f"/book/{o['booking'].run_id}/add-colleague/",
            {
                "school": a,
                "first_name": "New",
                "last_name": "Person",
                "email": "new.person@oakfield.sch.uk",
            },
            {"lead_a"},
        ),
        # Reserved places: whoever reserved them, the school's managers and the CPD team.
        # Only the school's managers reserve places for it (no places given: nothing written).
        "reserve": ("post", f"/book/{o['booking'].run_id}/reserve/", {"school": a}, {"lead_a"}),
        "reservation": ("get", f"/reservations/{r}/", None, {"lead_a", "staff"}),
        "name reserved place": (
            "post",
            f"/reservations/{r}/name/",
            {"delegate": people["finance_a"].pk},
            {"lead_a", "staff"},
        ),
        "give back places": (
            "post",
            f"/reservations/{r}/give-back/",
            {"count": "1"},
            {"lead_a", "staff"},
        ),
        # Waiting lists: the person waiting, the school's managers and the CPD team.
        **_waiting_list_targets(o, people),
        # After the course: registers for the run's facilitator and the CPD team only.
        **_after_course_targets(o, a),
    }


def _waiting_list_targets(o, people):
    alone, group, frank = o["waiting"].pk, o["waiting_group"].pk, people["finance_a"].pk
    in_group = {"finance_a", "lead_a", "staff"}  # Frank himself, the group's lead, the CPD team
    return {
        "leave waiting list page": ("get", f"/waiting-list/{alone}/leave/", None, PLACE_PEOPLE),
        "leave waiting list": ("post", f"/waiting-list/{alone}/leave/", {}, PLACE_PEOPLE),
        "take a group off a waiting list": (
            "post",
            f"/waiting-list/{group}/leave/",
            {},
            {"lead_a", "staff"},
        ),
        "leave a waiting group page": (
            "get",
            f"/waiting-list/{group}/person/{frank}/leave/",
            None,
            in_group,
        ),
        "leave a waiting group": (
            "post",
            f"/waiting-list/{group}/person/{frank}/leave/",
            {},
            in_group,
        ),
        # Someone not in the group, through the group's address: never found.
        "leave a group one is not in": (
            "post",
            f"/waiting-list/{group}/person/{people['teacher_a'].pk}/leave/",
            {},
            set(),
        ),
    }


def _after_course_targets(o, a):
    run, session, closed = o["open"].pk, o["session"].pk, o["closed"].pk
    attended, no_show = o["attended"].pk, o["no_show"].pk
    return {
        "run register": ("get", f"/registers/{run}/", None, REGISTER_TAKERS),
        "print register": ("get", f"/registers/{run}/print/", None, REGISTER_TAKERS),
        "session register": (
            "get",
            f"/registers/{run}/session/{session}/",
            None,
            REGISTER_TAKERS,
        ),
        "mark": (
            "post",
            f"/registers/{run}/session/{session}/mark/",
            {"enrolment": o["unmarked"].pk, "present": "yes"},
            REGISTER_TAKERS,
        ),
        # The run's facilitator (at the door) or the CPD team; see attendance.may_add_walk_in.
        "walk-in": (
            "post",
            f"/registers/{run}/session/{session}/walk-in/",
            {
                "school": a,
                "first_name": "Walk",
                "last_name": "In",
                "email": "walk.in@oakfield.sch.uk",
            },
            REGISTER_TAKERS,
        ),
        "close register": ("post", f"/registers/{run}/close/", {}, REGISTER_TAKERS),
        "waive no-show": (
            "post",
            f"/registers/{closed}/place/{no_show}/waive/",
            {"reason": "Snow"},
            {"staff"},
        ),
        # Another run's place through this run's address: never found.
        "waive via another run": (
            "post",
            f"/registers/{run}/place/{no_show}/waive/",
            {"reason": "Snow"},
            set(),
        ),
        "evaluate": ("get", f"/bookings/place/{attended}/evaluation/", None, {"teacher_a"}),
        "certificate": (
            "get",
            f"/bookings/place/{attended}/certificate.pdf",
            None,
            PLACE_PEOPLE,
        ),
        "no certificate for a no-show": (
            "get",
            f"/bookings/place/{no_show}/certificate.pdf",
            None,
            set(),
        ),
        "impact": ("get", f"/bookings/place/{attended}/impact/", None, {"teacher_a", "lead_a"}),
        "school cpd record": ("get", f"/school/{a}/cpd/", None, OVERSEERS),
        "school cpd csv": ("get", f"/school/{a}/cpd.csv", None, OVERSEERS),
        "school cpd pdf": ("get", f"/school/{a}/cpd.pdf", None, OVERSEERS),
    }


TARGET_NAMES = [
    "booking detail",
    "cancel page",
    "cancel",
    "decide",
    "decide page",
    "decide page, finance stage",
    "decide, finance stage",
    "decide page, consortium stage",
    "decide, consortium stage",
    "substitute page",
    "substitute",
    "transfer page",
    "transfer",
    "calendar",
    "school bookings",
    "unknown booking",
    "add colleague",
    "rotate school calendar",
    "reserve",
    "reservation",
    "name reserved place",
    "give back places",
    "leave waiting list page",
    "leave waiting list",
    "take a group off a waiting list",
    "leave a waiting group page",
    "leave a waiting group",
    "leave a group one is not in",
    "run register",
    "print register",
    "session register",
    "mark",
    "walk-in",
    "close register",
    "waive no-show",
    "waive via another run",
    "evaluate",
    "certificate",
    "no certificate for a no-show",
    "impact",
    "school cpd record",
    "school cpd csv",
    "school cpd pdf",
]


def test_the_matrix_covers_every_url_that_takes_an_id(objects, people):
    from django.urls import resolve

    from bookings import urls

    targets = _targets(objects, people)
    assert set(targets) == set(TARGET_NAMES)
    with_ids = {p.name for p in urls.urlpatterns if "<" in str(p.pattern)} - OPEN_TO_ALL - BY_TOKEN
    covered = {resolve(url).url_name for _, url, _, _ in targets.values()}
    assert with_ids <= covered, f"not in the access matrix: {with_ids - covered}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGET_NAMES)
def test_access_matrix(client, callers, objects, caller, target):
    method, url, data, allowed = _targets(objects, callers)[target]
    if caller != "anonymous":
        client.force_login(callers[caller])
    response = client.post(url, data) if method == "post" else client.get(url)
    if caller == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif caller in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "caller", ["finance_a", "teacher_b", "other_facilitator", "other_consortium_lead"]
)
def test_refused_callers_change_nothing(client, callers, objects, caller):
    client.force_login(callers[caller])
    for method, url, data, allowed in _targets(objects, callers).values():
        if method == "post" and caller not in allowed:
            client.post(url, data)
    enrolment = Enrolment.objects.get(pk=objects["enrolment"].pk)
    assert (enrolment.status, enrolment.delegate) == ("pending_approval", callers["teacher_a"])
    with_finance = Enrolment.objects.get(pk=objects["with_finance"].pk)
    if caller != "finance_a":
        assert (with_finance.status, with_finance.approval_stage) == ("pending_approval", "finance")
    with_consortium = Enrolment.objects.get(pk=objects["with_consortium"].pk)
    assert (with_consortium.status, with_consortium.approval_stage) == (
        "pending_approval",
        "consortium",
    )
    assert not Attendance.objects.filter(enrolment=objects["unmarked"]).exists()
    assert not RegisterClosure.objects.filter(run=objects["open"]).exists()
    assert not Enrolment.objects.get(pk=objects["no_show"].pk).charge_waived
    assert not User.objects.filter(email="walk.in@oakfield.sch.uk").exists()
    reservation = Reservation.objects.get(pk=objects["reservation"].pk)
    assert (reservation.places, reservation.named) == (2, 0)
    assert WaitingListEntry.objects.get(pk=objects["waiting"].pk).status == "waiting"
    if caller != "finance_a":  # Frank may leave his own group
        assert WaitingListEntry.objects.get(pk=objects["waiting_group"].pk).status == "waiting"


def test_the_certificate_check_is_public_and_shows_name_and_course_only(client, objects):
    certificate = objects["attended"].certificate
    response = client.get(f"/certificates/{certificate.number}/")
    assert response.status_code == 200
    assert "Tom Teacher" in response.content.decode()
    assert "Oakfield" not in response.content.decode()
    assert client.get("/certificates/CPD-NOTRE-ALXXX/").status_code == 404
