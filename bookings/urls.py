from django.urls import path

from . import attendance_views as after
from . import feed_views, place_views, reservation_views, views

app_name = "bookings"

urlpatterns = [
    path("book/<id:run_id>/", views.choose_delegates, name="book"),
    path("book/<id:run_id>/details/", views.booking_details, name="details"),
    path("book/<id:run_id>/add-colleague/", views.add_colleague, name="add_colleague"),
    path("book/<id:run_id>/waiting-list/", views.join_waiting_list, name="join_waiting_list"),
    path("book/<id:run_id>/reserve/", reservation_views.reserve, name="reserve"),
    path("reservations/<id:reservation_id>/", reservation_views.reservation, name="reservation"),
    path(
        "reservations/<id:reservation_id>/name/",
        reservation_views.name_place,
        name="name_reserved_place",
    ),
    path(
        "reservations/<id:reservation_id>/give-back/",
        reservation_views.give_back,
        name="give_back_places",
    ),
    path("bookings/", place_views.my_bookings, name="mine"),
    # Before bookings/<reference>/, which would take the name as a reference.
    path("bookings/finance-approvals/", place_views.finance_approvals, name="finance_approvals"),
    path(
        "bookings/consortium-approvals/",
        place_views.consortium_approvals,
        name="consortium_approvals",
    ),
    path("bookings/<str:reference>/", place_views.booking_detail, name="detail"),
    path(
        "waiting-list/<id:entry_id>/leave/",
        place_views.leave_waiting_list,
        name="leave_waiting_list",
    ),
    path(
        "waiting-list/<id:entry_id>/person/<id:person_id>/leave/",
        place_views.leave_waiting_list,
        name="leave_waiting_group",
    ),
    path("bookings/place/<id:enrolment_id>/cancel/", place_views.cancel_place, name="cancel"),
    path("bookings/place/<id:enrolment_id>/decide/", place_views.decide_place, name="decide"),
    path(
        "bookings/place/<id:enrolment_id>/substitute/",
        place_views.substitute_place,
        name="substitute",
    ),
    path("bookings/place/<id:enrolment_id>/transfer/", place_views.transfer_place, name="transfer"),
    path(
        "bookings/place/<id:enrolment_id>/calendar.ics",
        place_views.place_calendar,
        name="place_calendar",
    ),
    path("offer/<str:token>/", views.accept_offer, name="accept_offer"),
    path("school/<id:school_id>/bookings/", place_views.school_bookings, name="school"),
    path("calendar/programme.ics", feed_views.programme_feed, name="programme_feed"),
    path("calendar/strand/<slug:slug>.ics", feed_views.strand_feed, name="strand_feed"),
    path("calendar/u/<str:token>.ics", feed_views.personal_feed, name="personal_feed"),
    path("calendar/school/<str:token>.ics", feed_views.school_feed, name="school_feed"),
    path("calendar/rotate/", feed_views.rotate_personal_feed, name="rotate_personal_feed"),
    path(
        "calendar/school/<id:school_id>/rotate/",
        feed_views.rotate_school_feed,
        name="rotate_school_feed",
    ),
    # After the course: registers, evaluations, certificates, impact and CPD records.
    path("registers/", after.registers, name="registers"),
    path("registers/<id:run_id>/", after.run_register, name="run_register"),
    path("registers/<id:run_id>/print/", after.print_register, name="print_register"),
    path("registers/<id:run_id>/close/", after.close, name="close_register"),
    path(
        "registers/<id:run_id>/session/<id:session_id>/",
        after.session_register,
        name="session_register",
    ),
    path(
        "registers/<id:run_id>/session/<id:session_id>/mark/",
        after.mark,
        name="mark_attendance",
    ),
    path(
        "registers/<id:run_id>/session/<id:session_id>/walk-in/",
        after.walk_in,
        name="walk_in",
    ),
    path(
        "registers/<id:run_id>/place/<id:enrolment_id>/waive/",
        after.waive,
        name="waive_no_show",
    ),
    path("bookings/place/<id:enrolment_id>/evaluation/", after.evaluate, name="evaluate"),
    path(
        "bookings/place/<id:enrolment_id>/certificate.pdf",
        after.certificate,
        name="certificate",
    ),
    path("bookings/place/<id:enrolment_id>/impact/", after.impact, name="impact"),
    path("my-cpd/", after.my_record, name="cpd_record"),
    path("my-cpd/record.csv", after.my_record_csv, name="cpd_record_csv"),
    path("my-cpd/record.pdf", after.my_record_pdf, name="cpd_record_pdf"),
    path("school/<id:school_id>/cpd/", after.school_record, name="school_cpd"),
    path("school/<id:school_id>/cpd.csv", after.school_record_csv, name="school_cpd_csv"),
    path("school/<id:school_id>/cpd.pdf", after.school_record_pdf, name="school_cpd_pdf"),
    path("certificates/", after.check_certificate, name="check_certificate"),
    path("certificates/<str:number>/", after.verify_certificate, name="verify_certificate"),
]
