import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


def new_booking_reference():
    # Unambiguous characters only: people read these out over the phone.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "BK-" + "".join(secrets.choice(alphabet) for _ in range(7))


class Booking(models.Model):
    """One order: who booked places on which run, for which school."""

    class Source(models.TextChoices):
        WEB = "web", "Booked online"
        PHONE = "phone", "Phone booking by staff"
        WAITING_LIST = "waiting_list", "From the waiting list"
        WALK_IN = "walk_in", "On-the-day addition"
        TRANSFER = "transfer", "Transferred from another run"

    reference = models.CharField(max_length=12, unique=True, default=new_booking_reference)
    run = models.ForeignKey("courses.CourseRun", on_delete=models.PROTECT, related_name="bookings")
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings_made"
    )
    po_number = models.CharField("PO number", max_length=40, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.WEB)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference


# The start of the audit note when an approver declines a place (bookings.services.approvals).
DECLINED_NOTE = "Declined by "


class EnrolmentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Enrolment.LIVE)

    def of_people(self):
        """Places that are someone's: not an unnamed reserved place released for a charge."""
        return self.filter(released_from__isnull=True)

    def with_declined(self):
        """Marks each place an approver declined, so a list says "Declined" without a query
        a row (Enrolment.status_label)."""
        return self.annotate(
            declined_by_approver=models.Exists(
                EnrolmentEvent.objects.filter(
                    enrolment=models.OuterRef("pk"),
                    to_status=Enrolment.Status.CANCELLED,
                    note__startswith=DECLINED_NOTE,
                )
            )
        )


class Enrolment(models.Model):
    """One delegate's place on a run. Created only by bookings.services.book_places()."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "Waiting for approval"
        CONFIRMED = "confirmed", "Confirmed"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    class ApprovalStage(models.TextChoices):
        """Who a place waiting for approval waits for: the CPD lead approves the learning,
        then, above the school's spend threshold, its finance contact approves the money,
        then, when a consortium's budget would pay and its leads ask to approve that, they do."""

        LEAD = "lead", "CPD lead"
        FINANCE = "finance", "finance contact"
        CONSORTIUM = "consortium", "consortium lead"

    # These hold a place.
    LIVE = (Status.PENDING_APPROVAL, Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)
    # These are going ahead (or went ahead): only they carry the joining link and details.
    JOINING_DETAILS_SHOWN = (Status.CONFIRMED, Status.ATTENDED)

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="enrolments")
    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="enrolments"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    access_needs = models.TextField(blank=True)
    dietary_needs = models.TextField(blank=True)
    # Snapshotted when the place is booked: a later price change never alters it.
    price = models.DecimalField(max_digits=8, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.000"))
    approval_expires_at = models.DateTimeField(null=True, blank=True)
    approval_stage = models.CharField(
        max_length=10, choices=ApprovalStage.choices, blank=True, default=""
    )
    # The consortium whose leads were asked to pay from its budget (kept once decided), and
    # whether they agreed: only then does billing draw on a budget that needs approval.
    approval_consortium = models.ForeignKey(
        "accounts.Consortium", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    budget_approved = models.BooleanField(default=False)
    # What the delegate (or their lead, booking) wants to change in their practice: asked
    # about again in the evaluation and the impact follow-up. Personal data: exported, erased.
    intended_outcome = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    late_cancellation = models.BooleanField(default=False)
    charge_waived = models.BooleanField(
        default=False,
        help_text="No late-cancellation or no-show charge: place refilled, or staff waived it.",
    )
    # Set on an unnamed reserved place released inside the notice period: settlement charges
    # it like a late cancellation, but it is nobody's place (its delegate is the lead who
    # reserved, for the record only), so no page, feed or record of a person shows it.
    released_from = models.ForeignKey(
        "Reservation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="released_places",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "delegate"],
                condition=Q(status__in=["pending_approval", "confirmed", "attended", "no_show"]),
                name="one_live_enrolment_per_delegate_per_run",
                violation_error_message="This person already has a place on this run.",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="enrolment_price_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_enrolment_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending_approval") | Q(approval_expires_at__isnull=False),
                name="pending_enrolment_expires",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending_approval")
                    & Q(approval_stage__in=["lead", "finance", "consortium"])
                )
                | (~Q(status="pending_approval") & Q(approval_stage="")),
                name="pending_enrolment_has_an_approval_stage",
            ),
            models.CheckConstraint(
                condition=Q(released_from__isnull=True)
                | Q(status="cancelled", late_cancellation=True),
                name="released_reserved_place_is_a_late_cancellation",
            ),
            models.CheckConstraint(
                condition=~Q(approval_stage="consortium") | Q(approval_consortium__isnull=False),
                name="consortium_stage_names_its_consortium",
            ),
            models.CheckConstraint(
                condition=Q(budget_approved=False) | Q(approval_consortium__isnull=False),
                name="budget_approval_names_its_consortium",
            ),
        ]

    def __str__(self):
        if self.released_from_id:
            return f"Unnamed reserved place on {self.run.reference} (released)"
        return f"{self.delegate} on {self.run.reference} ({self.get_status_display()})"

    @property
    def is_live(self):
        return self.status in self.LIVE

    @property
    def is_released_reserved_place(self):
        return self.released_from_id is not None

    @property
    def was_declined(self):
        """A declined request is stored as a cancelled place; its audit note says who declined."""
        if self.status != self.Status.CANCELLED:
            return False
        if hasattr(self, "declined_by_approver"):  # EnrolmentQuerySet.with_declined()
            return self.declined_by_approver
        return any(
            e.to_status == self.Status.CANCELLED and e.note.startswith(DECLINED_NOTE)
            for e in self.events.all()
        )

    @property
    def status_label(self):
        """The status as the teacher and their lead read it: "Declined", not "Cancelled",
        for a place its approver turned down."""
        return "Declined" if self.was_declined else self.get_status_display()


class Reservation(models.Model):
    """Places a CPD lead holds on a run for their school before knowing who will go. Each
    unnamed place is a taken place (bookings.services.with_places_taken); naming a colleague
    turns one into an Enrolment on the reservation's booking, through book_places(). Places
    still unnamed at the run's name-by date are released (bookings.services.reservations)."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="reservation")
    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="reservations"
    )
    places = models.PositiveIntegerField(help_text="Held for the school: named and unnamed.")
    named = models.PositiveIntegerField(default=0)
    # Snapshotted when the places are reserved, as book_places does for a place: each person
    # named, and each unnamed place charged late, keeps this price.
    price = models.DecimalField(max_digits=8, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.000"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places__gte=0), name="reservation_places_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(named__gte=0) & Q(named__lte=models.F("places")),
                name="reservation_names_at_most_its_places",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="reservation_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(named=models.F("places")),
                name="released_reservation_holds_no_unnamed_place",
            ),
        ]

    def __str__(self):
        return f"{self.places} places on {self.run.reference} for {self.booking.school}"

    @property
    def unnamed(self):
        return self.places - self.named


class EnrolmentEvent(models.Model):
    """The audit log: every change of an enrolment's state, who made it and when."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class WaitingListEntry(models.Model):
    """A person waiting for a place on a full run, or a group of colleagues a CPD lead put on
    the list together (`is_group`; `person` is then the lead, who is offered the places and
    chooses who takes them). An offer holds `places_offered` places until it expires."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Place offered"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Offer expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="waiting_list"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waiting_list_entries"
    )
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    is_group = models.BooleanField(default=False)
    # People still waiting on this entry, and how many places the live offer holds for them.
    places = models.PositiveSmallIntegerField(default=1)
    places_offered = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waiting list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "person"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_live_waiting_entry_per_person_per_run",
                violation_error_message="This person is already on the waiting list.",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_an_expiry",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="waiting_entry_holds_a_place"),
            models.CheckConstraint(
                condition=Q(is_group=True) | Q(places=1), name="one_person_waits_for_one_place"
            ),
            models.CheckConstraint(
                condition=Q(places_offered__lte=F("places")),
                name="offered_places_at_most_the_people_waiting",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(places_offered__gte=1),
                name="an_offer_holds_a_place",
            ),
        ]

    def __str__(self):
        if self.is_group:
            return f"{self.places} colleagues of {self.person} waiting for {self.run.reference}"
        return f"{self.person} waiting for {self.run.reference}"

    @property
    def people_waiting(self):
        """A group's colleagues without a place yet (reads prefetched members)."""
        return [m.person for m in self.members.all() if m.enrolment_id is None]


class WaitingListMember(models.Model):
    """One colleague in a CPD lead's group on a waiting list; `enrolment` is the place they
    took when the lead accepted an offer for them."""

    entry = models.ForeignKey(WaitingListEntry, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waiting_list_groups"
    )
    enrolment = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["person__last_name", "person__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "person"],
                name="one_place_in_a_group_per_person",
                violation_error_message="The same person is listed twice.",
            )
        ]

    def __str__(self):
        return f"{self.person} in {self.entry}"


class CalendarFeed(models.Model):
    """A secret, rotatable address for a calendar subscription: one person's own sessions,
    or a school's, for one of its managers (CPD lead, headteacher). The URL carries
    `<id>.<secret>`; the secret is compared in constant time, and rotating it kills the old
    address. Each school address belongs to one person, so it ends with their right to it:
    bookings.calendar.feed_from_token asks on every request."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        SCHOOL = "school", "School"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    school = models.ForeignKey(
        "accounts.School",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(kind="personal"), name="one_personal_feed_per_user"
            ),
            models.UniqueConstraint(
                fields=["school", "user"],
                condition=Q(kind="school"),
                name="one_school_feed_per_manager",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="personal", school__isnull=True) | Q(kind="school", school__isnull=False)
                ),
                name="feed_belongs_to_its_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} feed {self.pk}"

    @property
    def token(self):
        return f"{self.pk}.{self.secret}"


# --- after the course: registers, evaluations, certificates, impact ------------------------------


class Attendance(models.Model):
    """One delegate at one session: present or absent, as marked on the register."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(
        "courses.Session", on_delete=models.CASCADE, related_name="attendances"
    )
    present = models.BooleanField()
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session__starts_at", "pk"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="one_mark_per_delegate_per_session"
            )
        ]

    def __str__(self):
        return f"{self.enrolment.delegate} {'present' if self.present else 'absent'}"


class RegisterClosure(models.Model):
    """A run's register, closed: every place on it is now attended or no_show, and the
    no-shows were reported. One per run; closing twice finds this row and stops."""

    run = models.OneToOneField(
        "courses.CourseRun", on_delete=models.PROTECT, related_name="register_closure"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)
    attended = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Register for {self.run.reference}, closed {self.closed_at:%d %b %Y}"


class Evaluation(models.Model):
    """An attended delegate's evaluation of the course: asked for once the course ends,
    reminded at most twice, and submitted once. Submitting it releases the certificate."""

    MAX_REMINDERS = 2

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="evaluation")
    requested_at = models.DateTimeField(auto_now_add=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    quality = models.PositiveSmallIntegerField("quality of the course", null=True, blank=True)
    relevance = models.PositiveSmallIntegerField("relevance to your work", null=True, blank=True)
    facilitator = models.PositiveSmallIntegerField("the facilitator", null=True, blank=True)
    will_do_differently = models.TextField("what will you do differently", blank=True)
    comments = models.TextField(blank=True)
    # How far the intended outcome stated at booking has changed, 1 (not at all) to 5.
    outcome_progress = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reminders_sent__lte=2), name="evaluation_reminded_at_most_twice"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True)
                | (
                    Q(quality__gte=1, quality__lte=5)
                    & Q(relevance__gte=1, relevance__lte=5)
                    & Q(facilitator__gte=1, facilitator__lte=5)
                    & ~Q(will_do_differently="")
                ),
                name="submitted_evaluation_is_complete",
                violation_error_message="Rate each question from 1 to 5 and say what you will "
                "do differently.",
            ),
            models.CheckConstraint(
                condition=Q(outcome_progress__isnull=True)
                | Q(outcome_progress__gte=1, outcome_progress__lte=5),
                name="evaluation_outcome_progress_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Evaluation of {self.enrolment.run.reference} by {self.enrolment.delegate}"

    @property
    def is_submitted(self):
        return self.submitted_at is not None


def new_certificate_number():
    # Random, not sequential: a number cannot be guessed to find who attended what.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"CPD-{body[:5]}-{body[5:]}"


class Certificate(models.Model):
    """A certificate of attendance, made once when the evaluation is submitted and kept:
    what it says is snapshotted here, and its PDF is stored so a re-download is the same
    file. Anyone with the number may confirm it at its verification address."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(max_length=20, unique=True, default=new_certificate_number)
    issued_at = models.DateTimeField(auto_now_add=True)
    delegate_name = models.CharField(max_length=300)
    school_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=255)
    strand_title = models.CharField(max_length=255, blank=True)
    dates = models.CharField(max_length=300, help_text="The run's session dates, as printed.")
    cpd_hours = models.DecimalField(max_digits=4, decimal_places=1)
    pdf = models.BinaryField(blank=True, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cpd_hours__gte=0), name="certificate_hours_not_negative"
            )
        ]

    def __str__(self):
        return self.number


class ImpactFollowUp(models.Model):
    """Some weeks after the course: what changed in the delegate's practice, in their words
    and in their CPD lead's. Sent once per place."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="impact_follow_up"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    delegate_answer = models.TextField(blank=True)
    delegate_answered_at = models.DateTimeField(null=True, blank=True)
    # The delegate's view of their intended outcome (Enrolment.intended_outcome), 1 to 5.
    outcome_progress = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_comment = models.TextField(blank=True)
    lead_answer = models.TextField(blank=True)
    lead_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delegate_answered_at__isnull=True) | ~Q(delegate_answer=""),
                name="impact_delegate_answer_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(lead_answered_at__isnull=True) | ~Q(lead_answer=""),
                name="impact_lead_answer_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(outcome_progress__isnull=True)
                | Q(outcome_progress__gte=1, outcome_progress__lte=5),
                name="impact_outcome_progress_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Impact of {self.enrolment.run.reference} for {self.enrolment.delegate}"
