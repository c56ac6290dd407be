from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Email is the login; there is no username."""

    username = None
    email = models.EmailField("email address", unique=True)
    job_title = models.CharField(max_length=120, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the person closed their account."
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [
            # Case-insensitive: Ann@School.org and ann@school.org are one person.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def bouncing_email(self):
        """The bounce on the person's current address (EmailBounce), or None."""
        bounce = getattr(self, "email_bounce", None)  # None: no row (the reverse one-to-one)
        return bounce if bounce is not None and bounce.address == self.email else None

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user.loaded_email = user.__dict__.get("email")  # a changed address drops its bounce
        return user

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class LocalAuthority(models.Model):
    code = models.CharField("LA code", max_length=3, unique=True)
    name = models.CharField(max_length=120)
    is_partner = models.BooleanField(
        "partner area", default=False, help_text="Schools in partner areas get in-area prices."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self):
        return f"{self.name} ({self.code})"


class Trust(models.Model):
    uid = models.CharField("GIAS trust UID", max_length=20, unique=True)
    name = models.CharField(max_length=200)
    billed_centrally = models.BooleanField(
        default=False, help_text="Invoices for member academies go to the trust."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    """An establishment from DfE's register (GIAS), plus the service's own settings for it."""

    class TypeGroup(models.TextChoices):
        LA_MAINTAINED = "la_maintained", "Local authority maintained schools"
        ACADEMY = "academy", "Academies"
        FREE_SCHOOL = "free_school", "Free schools"
        INDEPENDENT = "independent", "Independent schools"
        SPECIAL = "special", "Special schools"
        COLLEGE = "college", "Colleges"
        UNIVERSITY = "university", "Universities"
        OTHER = "other", "Other types"

    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE_PRIMARY = "middle_primary", "Middle deemed primary"
        SECONDARY = "secondary", "Secondary"
        MIDDLE_SECONDARY = "middle_secondary", "Middle deemed secondary"
        SIXTEEN_PLUS = "16_plus", "16 plus"
        ALL_THROUGH = "all_through", "All-through"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        OPEN_PROPOSED_TO_CLOSE = "open_closing", "Open, but proposed to close"
        PROPOSED_TO_OPEN = "proposed", "Proposed to open"

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="schools"
    )
    establishment_number = models.CharField(max_length=4, blank=True)
    type_name = models.CharField("type of establishment", max_length=120, blank=True)
    type_group = models.CharField(max_length=20, choices=TypeGroup.choices)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # The postal address as GIAS gives it: Street, Locality, Address3, Town, County (name).
    street = models.CharField(max_length=100, blank=True)
    locality = models.CharField(max_length=100, blank=True)
    address3 = models.CharField("address line 3", max_length=100, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    website = models.URLField(max_length=300, blank=True)
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools"
    )

    # The service's own settings; a GIAS import never touches these.
    email_domains = models.TextField(
        blank=True, help_text="Staff email domains, one per line, e.g. oakfield.sch.uk"
    )
    po_number_required = models.BooleanField("PO number required", default=False)
    bookings_need_approval = models.BooleanField(
        "staff bookings need CPD-lead approval", default=False
    )
    # Above this net price a place approved by the CPD lead also waits for the school's
    # finance contact (bookings.services.approvals). Empty: the lead's approval is enough.
    approval_spend_threshold = models.DecimalField(
        "finance approval above (net, £)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
    )

    # Fields DfE's register owns (a GIAS import writes these) and the service's own (it never does).
    REGISTER_FIELDS = (
        "name",
        "local_authority",
        "establishment_number",
        "type_name",
        "type_group",
        "phase",
        "status",
        "street",
        "locality",
        "address3",
        "town",
        "county",
        "postcode",
        "website",
        "trust",
    )
    LOCAL_FIELDS = (
        "email_domains",
        "po_number_required",
        "bookings_need_approval",
        "approval_spend_threshold",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approval_spend_threshold__isnull=True)
                | models.Q(approval_spend_threshold__gte=0),
                name="school_spend_threshold_not_negative",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.urn})"

    @property
    def is_open(self):
        return self.status in {self.Status.OPEN, self.Status.OPEN_PROPOSED_TO_CLOSE}

    @property
    def domains(self):
        return [d.strip().lower() for d in self.email_domains.splitlines() if d.strip()]


class Consortium(models.Model):
    name = models.CharField(max_length=200, unique=True)
    schools = models.ManyToManyField(School, related_name="consortia", blank=True)
    # The consortium's own rules for its shared budget (billing's consortium Account holds the
    # money). Kept here, not on the Account: its leads set them on the consortium's page
    # (accounts), and bookings and billing, both above accounts, read them.
    # db_default too: a row written without the field (an older migration's model, raw SQL)
    # gets False from the database rather than failing NOT NULL.
    budget_needs_approval = models.BooleanField(
        "places paid from the partnership budget need a lead's approval",
        default=False,
        db_default=False,
    )
    budget_closed_to = models.ManyToManyField(
        School,
        related_name="+",
        blank=True,
        verbose_name="member schools that may not draw on the partnership budget",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "consortia"

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's place at a school, with the roles they hold there."""

    class Role(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        CPD_LEAD = "cpd_lead", "CPD lead"
        FINANCE = "finance", "Finance contact"
        HEADTEACHER = "headteacher", "Headteacher"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    is_teacher = models.BooleanField(default=True)
    is_cpd_lead = models.BooleanField("CPD lead", default=False)
    is_finance = models.BooleanField("finance contact", default=False)
    is_headteacher = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school"], name="membership_user_school_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(is_teacher=True)
                | models.Q(is_cpd_lead=True)
                | models.Q(is_finance=True)
                | models.Q(is_headteacher=True),
                name="membership_holds_a_role",
                violation_error_message="Give the person at least one role at the school.",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.school.name}"

    @property
    def roles(self):
        flags = [
            (self.is_teacher, self.Role.TEACHER),
            (self.is_cpd_lead, self.Role.CPD_LEAD),
            (self.is_finance, self.Role.FINANCE),
            (self.is_headteacher, self.Role.HEADTEACHER),
        ]
        return [role for held, role in flags if held]


class TrustMembership(models.Model):
    """A trust-wide role: a trust's CPD leads act as CPD lead for every school in the trust
    (book, approve, see bookings and CPD records), and its finance contacts as finance contact
    (the trust's invoices when it is billed centrally, and its schools')."""

    class Role(models.TextChoices):
        CPD_LEAD = "cpd_lead", "CPD lead"
        FINANCE = "finance", "Finance contact"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trust_memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    is_cpd_lead = models.BooleanField("CPD lead", default=False)
    is_finance = models.BooleanField("finance contact", default=True)
    joined_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "trust"], name="trust_membership_unique"),
            models.CheckConstraint(
                condition=models.Q(is_cpd_lead=True) | models.Q(is_finance=True),
                name="trust_membership_holds_a_role",
                violation_error_message="Give the person at least one role at the trust.",
            ),
        ]

    def __str__(self):
        return f"{self.user} for {self.trust}"

    @property
    def roles(self):
        flags = [(self.is_cpd_lead, self.Role.CPD_LEAD), (self.is_finance, self.Role.FINANCE)]
        return [role for held, role in flags if held]


class ConsortiumMembership(models.Model):
    """A consortium's lead: sees its member schools' bookings and CPD records, and what its
    shared budget has paid for. Leading is the one role a consortium has, so the row is it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consortium_memberships")
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="leads")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "consortium"], name="consortium_membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.user}, lead of {self.consortium}"


class JoinRequest(models.Model):
    """A person asking to join a school whose email domain they do not share."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the CPD lead"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="join_requests")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="join_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent-records, so a task that runs twice emails once.
    leads_notified_at = models.DateTimeField(null=True, blank=True)
    decision_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school"],
                condition=models.Q(status="pending"),
                name="one_pending_join_request_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="decided_join_request_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.school.name} ({self.get_status_display()})"


class EmailBounce(models.Model):
    """Mail to a person's address came back (or was refused, or reported as spam). Kept until
    mail to the address gets through again or the person changes it (accounts.bounces)."""

    class Kind(models.TextChoices):
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Reported as spam"
        REJECTED = "rejected", "Refused by the provider"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="email_bounce")
    address = models.EmailField(help_text="The address that bounced, as it was then.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()
    provider = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["bounced", "complained", "rejected"]),
                name="email_bounce_kind_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(address=""), name="email_bounce_has_an_address"
            ),
        ]

    def __str__(self):
        return f"{self.address}: {self.get_kind_display().lower()}"
