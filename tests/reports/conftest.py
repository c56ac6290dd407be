"""A small, hand-counted world for the reports, built by the factories: two strands with a
course each, its own LAs (codes R01, R02) and dates in 2019–2021.

    LA R01 (partner): Ash (primary), Beech (primary), Cedar (secondary), Damson (secondary,
                      open but proposed to close), Elm (closed). Ash, Beech, Cedar are in
                      the "Reports consortium".
    LA R02:           Fir (primary, open).

    run AUG  course A (strand 1), first session 31 Aug 2020 23:30 London → 2019/20
             Beech: 1 attended.
    run SEP  course A (strand 1), first session 1 Sep 2020 00:30 London → 2020/21, capacity 10
             Ash: 2 attended, 1 no-show; Beech: 1 cancelled; waiting: 2 (+1 withdrawn).
    run JAN  course B (strand 2), 15 Jan 2021, capacity 5
             Cedar: 2 attended; Elm (closed): 1 attended; Fir: 1 attended;
             Damson: 1 awaiting approval; waiting: 3.

    Buy-in 2020/21 in R01: open Ash, Beech, Cedar, Damson = 4; bought Ash, Cedar = 2 → 50%.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from accounts.models import Consortium, LocalAuthority, School, User
from billing import services as billing
from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment
from bookings.models import (
    Booking,
    Enrolment,
    Evaluation,
    ImpactFollowUp,
    WaitingListEntry,
)
from courses.models import CourseRun, Facilitator, Session
from tests.factories import courses

_n = count(1)


def at(y, m, d, hh=10, mm=0):
    """A London wall-clock time (summer time in August and September)."""
    return timezone.make_aware(datetime(y, m, d, hh, mm))


class World:
    """Builders for reports fixtures. Places are bulk-inserted: billing's receivers are not
    what these tests are about, and the dates must be exactly what the figures assume."""

    def __init__(self):
        self.strands = [
            courses.strand("Improving teaching and learning", slug="teaching-and-learning"),
            courses.strand("Developing leadership", slug="leadership"),
        ]
        self.course_a = courses.course("Phonics that sticks", strand_page=self.strands[0])
        self.course_b = courses.course("Leading maths", strand_page=self.strands[1])
        self.booker = User.objects.create_user(f"booker{next(_n)}@reports.example")

    def la(self, code, name, partner=True):
        return LocalAuthority.objects.create(code=code, name=name, is_partner=partner)

    def school(self, name, la, phase="primary", status="open"):
        return School.objects.create(
            urn=980000 + next(_n),
            name=name,
            local_authority=la,
            type_group="la_maintained",
            phase=phase,
            status=status,
        )

    def run(self, course, starts_at, capacity=10, status=CourseRun.Status.CLOSED):
        run = CourseRun.objects.create(
            course=course, reference=f"RPT-{next(_n):04d}", capacity=capacity, status=status
        )
        Session.objects.create(run=run, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
        return run

    def places(self, run, school, n, status, price=Decimal("200.00")):
        booking = Booking.objects.create(run=run, school=school, booked_by=self.booker)
        people = [
            User.objects.create_user(f"p{next(_n)}@reports.example") for _ in range(n)
        ]  # fmt: skip
        now = timezone.now()
        return Enrolment.objects.bulk_create(
            Enrolment(
                booking=booking,
                run=run,
                delegate=person,
                status=status,
                price=price,
                cancelled_at=now if status == "cancelled" else None,
                approval_expires_at=now if status == "pending_approval" else None,
                approval_stage="lead" if status == "pending_approval" else "",
            )
            for person in people
        )

    def waiting(self, run, school, n, status="waiting"):
        for _ in range(n):
            person = User.objects.create_user(f"w{next(_n)}@reports.example")
            WaitingListEntry.objects.create(
                run=run, person=person, school=school, added_by=self.booker, status=status
            )

    def evaluate(self, enrolment, quality, relevance, facilitator, comments="", on=None):
        return Evaluation.objects.create(
            enrolment=enrolment,
            quality=quality,
            relevance=relevance,
            facilitator=facilitator,
            will_do_differently="Use exit tickets.",
            comments=comments,
            submitted_at=on or timezone.now(),
        )

    def invoice(self, school, issued_on, lines):
        """lines: (enrolment or None, net, vat)."""
        account = billing.school_account(school)
        number = f"RPT-{next(_n):05d}"
        net = sum((n for _, n, _ in lines), Decimal(0))
        vat = sum((v for _, _, v in lines), Decimal(0))
        invoice = Invoice.objects.create(
            number=number,
            account=account,
            status=Invoice.Status.ISSUED,
            issued_on=issued_on,
            due_on=issued_on + timedelta(days=30),
            net=net,
            vat=vat,
            gross=net + vat,
        )
        # bulk_create: the invoice is issued already, and an issued invoice's lines refuse save().
        made = InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                enrolment=enrolment,
                description="A place",
                vat_treatment="standard" if v else "exempt",
                vat_rate=Decimal("0.200") if v else Decimal("0"),
                net=n,
                vat=v,
                gross=n + v,
            )
            for enrolment, n, v in lines
        )
        return invoice, made

    def credit(self, line, issued_on, returned=Decimal(0)):
        note = CreditNote.objects.create(
            number=f"RCN-{next(_n):05d}",
            account=line.invoice.account,
            invoice=line.invoice,
            issued_on=issued_on,
            reason="Place cancelled",
            net=line.net,
            vat=line.vat,
            gross=line.gross,
            returned=returned,
        )
        CreditNoteLine.objects.create(
            credit_note=note,
            invoice_line=line,
            enrolment=line.enrolment,
            description="A place",
            net=line.net,
            vat=line.vat,
            gross=line.gross,
        )
        return note

    def pay(self, invoice, amount, on):
        return Payment.objects.create(
            account=invoice.account,
            invoice=invoice,
            method=Payment.Method.BACS,
            amount=amount,
            applied=amount,
            refunded=Decimal(0),
            received_on=on,
        )


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def scenario(world):
    w = world
    w.r01 = w.la("R01", "Rowanshire")
    w.r02 = w.la("R02", "Reedham", partner=False)
    w.ash = w.school("Ash Primary", w.r01)
    w.beech = w.school("Beech Primary", w.r01)
    w.cedar = w.school("Cedar High", w.r01, phase="secondary")
    w.damson = w.school("Damson High", w.r01, phase="secondary", status="open_closing")
    w.elm = w.school("Elm Primary", w.r01, status="closed")
    w.fir = w.school("Fir Primary", w.r02)
    consortium = Consortium.objects.create(name="Reports consortium")
    consortium.schools.set([w.ash, w.beech, w.cedar])

    # The academic-year boundary, in London's summer time.
    w.run_aug = w.run(w.course_a, at(2020, 8, 31, 23, 30))
    w.run_sep = w.run(w.course_a, at(2020, 9, 1, 0, 30), capacity=10)
    w.run_jan = w.run(w.course_b, at(2021, 1, 15), capacity=5)

    (w.beech_aug,) = w.places(w.run_aug, w.beech, 1, "attended")
    w.ash_sep = w.places(w.run_sep, w.ash, 2, "attended", price=Decimal("200.00"))
    w.ash_noshow = w.places(w.run_sep, w.ash, 1, "no_show")
    w.places(w.run_sep, w.beech, 1, "cancelled")
    w.cedar_jan = w.places(w.run_jan, w.cedar, 2, "attended", price=Decimal("150.00"))
    w.places(w.run_jan, w.elm, 1, "attended")
    w.fir_jan = w.places(w.run_jan, w.fir, 1, "attended")
    w.places(w.run_jan, w.damson, 1, "pending_approval")
    w.waiting(w.run_sep, w.ash, 2)
    w.waiting(w.run_sep, w.ash, 1, status="withdrawn")
    w.waiting(w.run_jan, w.damson, 3)

    # Ratings: strand 1 (4,5,3) and (5,5,5); strand 2 (2,3,4). One left unsubmitted.
    w.f1 = Facilitator.objects.create(name="Reports Facilitator One")
    w.f2 = Facilitator.objects.create(name="Reports Facilitator Two")
    w.run_sep.facilitators.set([w.f1])
    w.run_sep.save()
    w.course_b.facilitators.set([w.f2])
    w.course_b.save()
    w.evaluate(w.ash_sep[0], 4, 5, 3, comments="Practical and clear.", on=at(2020, 9, 3))
    w.evaluate(w.ash_sep[1], 5, 5, 5, on=at(2020, 9, 4))
    w.evaluate(w.cedar_jan[0], 2, 3, 4, comments="Too fast.", on=at(2021, 1, 20))
    Evaluation.objects.create(enrolment=w.cedar_jan[1])
    ImpactFollowUp.objects.create(
        enrolment=w.ash_sep[0],
        delegate_answer="I use exit tickets daily.",
        delegate_answered_at=at(2020, 10, 20),
    )
    ImpactFollowUp.objects.create(enrolment=w.ash_sep[1])

    # Money. 2019/20: £100 on 31 Aug 2020. 2020/21: £400 on 1 Sep 2020 with £200 credited on
    # 20 Sep, a £500 package (no strand) in October, £300 for Cedar in January.
    w.inv_aug, _ = w.invoice(w.beech, date(2020, 8, 31), [(w.beech_aug, Decimal(100), Decimal(20))])
    w.inv_sep, lines = w.invoice(
        w.ash,
        date(2020, 9, 1),
        [(e, Decimal(200), Decimal(40)) for e in w.ash_sep],
    )
    w.credit(lines[1], date(2020, 9, 20))
    w.pay(w.inv_sep, Decimal(240), date(2020, 9, 25))
    w.inv_pkg, _ = w.invoice(w.ash, date(2020, 10, 10), [(None, Decimal(500), Decimal(100))])
    w.inv_jan, _ = w.invoice(
        w.cedar, date(2021, 1, 15), [(e, Decimal(150), Decimal(0)) for e in w.cedar_jan]
    )
    w.pay(w.inv_jan, Decimal(300), date(2021, 2, 1))
    return w
