"""What happens next for a booking, as its confirmation page states it: who decides a place
waiting for approval and until when it is held, what the school is invoiced and how, and the
last moment to cancel free. Reads only."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from billing.services import credit_drawn_for, invoicing_for, vat_on

from ..models import Enrolment
from .cancelling import charged_cancellation_from

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class NextSteps:
    pending: int  # places waiting for approval
    held_until: datetime | None  # when the first of those lapses unless someone decides
    confirmed: int  # places going ahead
    gross: Decimal  # what the confirmed places cost, VAT included
    credit: Decimal  # of which prepaid credit pays
    billed_to: str
    monthly: bool  # on the monthly statement, or an invoice for this booking
    free_until: datetime | None  # None: free to cancel until the course starts
    free_period_over: bool
    with_finance: int = 0  # of the pending, those the CPD lead approved, now with finance
    with_consortium: int = 0  # of the pending, those waiting for a consortium lead's budget

    @property
    def to_invoice(self):
        return max(self.gross - self.credit, ZERO)


def what_happens_next(booking, places):
    """`places`: the booking's enrolments as its page read them."""
    pending = [e for e in places if e.status == Enrolment.Status.PENDING_APPROVAL]
    confirmed = [e for e in places if e.status == Enrolment.Status.CONFIRMED]
    credit, by_voucher = credit_drawn_for(confirmed) if confirmed else (ZERO, set())
    gross = sum(
        (
            e.price + (ZERO if e.pk in by_voucher else vat_on(e.price, e.vat_rate))
            for e in confirmed
        ),
        ZERO,
    )
    billed_to, invoicing = invoicing_for(booking.school)
    run = booking.run
    free_until = charged_cancellation_from(run)
    expiries = [e.approval_expires_at for e in pending if e.approval_expires_at]
    return NextSteps(
        pending=len(pending),
        held_until=min(expiries) if expiries else None,
        confirmed=len(confirmed),
        gross=gross,
        credit=credit,
        billed_to=billed_to,
        monthly=invoicing == "monthly",
        free_until=free_until,
        free_period_over=free_until is not None and free_until <= timezone.now(),
        with_finance=sum(e.approval_stage == Enrolment.ApprovalStage.FINANCE for e in pending),
        with_consortium=sum(
            e.approval_stage == Enrolment.ApprovalStage.CONSORTIUM for e in pending
        ),
    )
