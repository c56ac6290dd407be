from django.dispatch import Signal

# Sent after a provider-cancelled run commits: billing credits what was invoiced.
run_cancelled = Signal()

# Sent after a register's close commits, with `run` and `enrolment_ids`: the places that
# became no_show. Billing charges each at the course's no-show rate unless charge_waived.
register_closed = Signal()

# Sent after the CPD team waives a no-show's charge commits, with `enrolment_id`.
no_show_charge_waived = Signal()

# Sent when book_places() refuses, whoever asked, with `code` (BookingRefused.code): the
# metrics count refusals by reason (core.metrics).
booking_refused = Signal()
