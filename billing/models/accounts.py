"""Billing accounts (a school, a centrally billed trust, a consortium's budget), where their
documents go, and the addressee copied onto each document at issue."""

from django.db import models
from django.db.models import Q

from ..addresses import PostalAddress
from .prices import PriceBand


class Account(models.Model):
    """Whoever receives invoices and holds credit: a school, a trust billed centrally for its
    academies, or a consortium with a shared budget."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        TRUST = "trust", "Trust"
        CONSORTIUM = "consortium", "Consortium"

    class Invoicing(models.TextChoices):
        PER_BOOKING = "per_booking", "An invoice for each booking"
        MONTHLY = "monthly", "A monthly statement invoice"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    school = models.OneToOneField(
        "accounts.School", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    trust = models.OneToOneField(
        "accounts.Trust", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    consortium = models.OneToOneField(
        "accounts.Consortium",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    invoicing = models.CharField(
        max_length=12, choices=Invoicing.choices, default=Invoicing.PER_BOOKING
    )
    price_band = models.ForeignKey(
        PriceBand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Leave blank to work the band out from the school's area and type.",
    )
    reminders_paused = models.BooleanField(
        "payment reminders paused", default=False, help_text="Finance can pause overdue reminders."
    )
    stripe_customer_id = models.CharField(max_length=40, blank=True)

    # Where invoices and credit notes go. A school's account left blank uses the school's
    # address from GIAS; a trust or consortium has no register address and needs its own.
    contact_name = models.CharField("billing contact", max_length=120, blank=True)
    contact_email = models.EmailField("billing contact email", blank=True)
    address_line_1 = models.CharField(max_length=100, blank=True)
    address_line_2 = models.CharField(max_length=100, blank=True)
    address_line_3 = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    ADDRESS_FIELDS = (
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "county",
        "postcode",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="school", school__isnull=False, trust__isnull=True)
                    & Q(consortium__isnull=True)
                )
                | (
                    Q(kind="trust", trust__isnull=False, school__isnull=True)
                    & Q(consortium__isnull=True)
                )
                | (
                    Q(kind="consortium", consortium__isnull=False, school__isnull=True)
                    & Q(trust__isnull=True)
                ),
                name="account_is_one_party",
            )
        ]

    def __str__(self):
        return str(self.party.name)

    @property
    def party(self):
        return self.school or self.trust or self.consortium

    @property
    def name(self):
        return self.party.name

    @property
    def has_own_address(self):
        return any(getattr(self, f).strip() for f in self.ADDRESS_FIELDS)

    @property
    def address_is_the_schools(self):
        """Whether documents go to the school's GIAS address, the account having none."""
        return self.school_id is not None and not self.has_own_address

    @property
    def billing_address(self):
        if self.address_is_the_schools:
            s = self.school
            return PostalAddress.of(
                (s.street, s.locality, s.address3), s.town, s.county, s.postcode
            )
        return PostalAddress.of(
            (self.address_line_1, self.address_line_2, self.address_line_3),
            self.town,
            self.county,
            self.postcode,
        )

    def address_block(self):
        """The addressee block as printed: the account's name, then its address."""
        return "\n".join([self.name, *self.billing_address.printed()])


class BilledTo(models.Model):
    """Who an issued document was addressed to, copied at issue: a later change to the
    account's address never alters a document already sent (or its re-rendered PDF)."""

    billed_to = models.TextField(blank=True, help_text="Name and postal address, one per line.")
    billed_contact_name = models.CharField(max_length=120, blank=True)
    billed_contact_email = models.EmailField(blank=True)

    class Meta:
        abstract = True

    def address_to(self, account):
        self.billed_to = account.address_block()
        self.billed_contact_name = account.contact_name.strip()
        self.billed_contact_email = account.contact_email.strip()

    @property
    def billed_to_lines(self):
        return [line for line in self.billed_to.splitlines() if line.strip()]
