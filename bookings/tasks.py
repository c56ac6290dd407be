"""Celery wrappers: each task takes ids, re-reads state, and is safe to run twice."""

from celery import shared_task

from . import attendance, emails, privacy, services


@shared_task(name="bookings.tasks.send_booking_confirmation", acks_late=True)
def send_booking_confirmation(booking_id):
    return emails.booking_confirmations(booking_id)


@shared_task(name="bookings.tasks.send_approval_request", acks_late=True)
def send_approval_request(booking_id):
    return emails.approval_request(booking_id)


@shared_task(name="bookings.tasks.send_approval_pending", acks_late=True)
def send_approval_pending(booking_id):
    return emails.approval_pending(booking_id)


@shared_task(name="bookings.tasks.send_approval_decision", acks_late=True)
def send_approval_decision(enrolment_id):
    return emails.approval_decision(enrolment_id)


@shared_task(name="bookings.tasks.send_finance_approval_request", acks_late=True)
def send_finance_approval_request(enrolment_id):
    return emails.finance_approval_request(enrolment_id)


@shared_task(name="bookings.tasks.send_approval_passed_to_finance", acks_late=True)
def send_approval_passed_to_finance(enrolment_id):
    return emails.approval_passed_to_finance(enrolment_id)


@shared_task(name="bookings.tasks.send_cancellation", acks_late=True)
def send_cancellation(enrolment_id):
    return emails.cancellation(enrolment_id)


@shared_task(name="bookings.tasks.send_place_passed_on", acks_late=True)
def send_place_passed_on(enrolment_id, previous_delegate_id):
    return emails.place_passed_on(enrolment_id, previous_delegate_id)


@shared_task(name="bookings.tasks.send_place_moved", acks_late=True)
def send_place_moved(old_enrolment_id, new_enrolment_id):
    return emails.place_moved(old_enrolment_id, new_enrolment_id)


@shared_task(name="bookings.tasks.send_run_cancelled", acks_late=True)
def send_run_cancelled(run_id, reason):
    return emails.run_cancelled(run_id, reason)


@shared_task(name="bookings.tasks.send_waiting_list_joined", acks_late=True)
def send_waiting_list_joined(entry_id):
    return emails.waiting_list_joined(entry_id)


@shared_task(name="bookings.tasks.send_waiting_list_offer", acks_late=True)
def send_waiting_list_offer(entry_id):
    return emails.waiting_list_offer(entry_id)


@shared_task(name="bookings.tasks.send_offer_expired", acks_late=True)
def send_offer_expired(entry_id):
    return emails.offer_expired(entry_id)


@shared_task(name="bookings.tasks.offer_places", acks_late=True)
def offer_places(run_id):
    return len(services.offer_next_place(run_id))


@shared_task(name="bookings.tasks.expire_offers")
def expire_offers():
    return services.expire_offers()


@shared_task(name="bookings.tasks.send_reservation_confirmed", acks_late=True)
def send_reservation_confirmed(reservation_id):
    return emails.reservation_confirmed(reservation_id)


@shared_task(name="bookings.tasks.send_reservation_reminder", acks_late=True)
def send_reservation_reminder(reservation_id):
    return emails.reservation_reminder(reservation_id)


@shared_task(name="bookings.tasks.send_reservation_released", acks_late=True)
def send_reservation_released(reservation_id, released, charged):
    return emails.reservation_released(reservation_id, released, charged)


@shared_task(name="bookings.tasks.remind_and_release_reservations")
def remind_and_release_reservations():
    return services.remind_and_release_reservations()


@shared_task(name="bookings.tasks.expire_approvals")
def expire_approvals():
    return services.expire_approvals()


@shared_task(name="bookings.tasks.send_reminders")
def send_reminders():
    return emails.reminders(7) + emails.reminders(1)


# --- after the course -----------------------------------------------------------------------


@shared_task(name="bookings.tasks.send_no_show_notices", acks_late=True)
def send_no_show_notices(run_id):
    return emails.no_show_notices(run_id)


@shared_task(name="bookings.tasks.request_run_evaluations", acks_late=True)
def request_run_evaluations(run_id):
    return attendance.request_evaluations(run_id)


@shared_task(name="bookings.tasks.send_evaluation_request", acks_late=True)
def send_evaluation_request(evaluation_id):
    return emails.evaluation_request(evaluation_id)


@shared_task(name="bookings.tasks.send_impact_follow_up", acks_late=True)
def send_impact_follow_up(follow_up_id):
    return emails.impact_follow_up(follow_up_id)


@shared_task(name="bookings.tasks.request_due_evaluations")
def request_due_evaluations():
    return attendance.request_due_evaluations()


@shared_task(name="bookings.tasks.send_evaluation_reminders")
def send_evaluation_reminders():
    return attendance.remind_evaluations()


@shared_task(name="bookings.tasks.send_impact_follow_ups")
def send_impact_follow_ups():
    return attendance.send_impact_follow_ups()


@shared_task(name="bookings.tasks.send_session_cancelled", acks_late=True)
def send_session_cancelled(session_id, reason):
    return emails.session_cancelled(session_id, reason)


@shared_task(name="bookings.tasks.send_sessions_moved", acks_late=True)
def send_sessions_moved(run_id, moved):
    return emails.sessions_moved(run_id, moved)


@shared_task(name="bookings.tasks.clear_needs_after_courses")
def clear_needs_after_courses():
    return privacy.clear_needs_after_courses()
