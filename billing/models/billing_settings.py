"""What every invoice carries: the service's VAT number, bank details, terms and ledger codes."""

from django.db import models
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="doc-full")
class BillingSettings(BaseGenericSetting):
    """What every invoice carries: the service's VAT number, bank details and terms."""

    payee = models.CharField(
        max_length=120, default="Haverleigh Council — School Improvement Service"
    )
    address = models.TextField(default="Civic Centre\nHaverleigh\nHV1 1AA")
    vat_number = models.CharField("VAT number", max_length=20, default="GB 123 4567 89")
    bank_name = models.CharField(max_length=80, default="Example Bank plc")
    sort_code = models.CharField(max_length=8, default="00-00-00")
    account_number = models.CharField(max_length=8, default="12345678")
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    invoice_prefix = models.CharField(max_length=8, default="CPD")
    credit_note_prefix = models.CharField(max_length=8, default="CN")
    finance_email = models.EmailField(default="cpd-finance@example.gov.uk")
    deferred_income_nominal_code = models.CharField(
        max_length=20,
        default="2410-DEF",
        help_text="Ledger code (a liability) for money received for prepaid credit, until the "
        "credit pays for a place.",
    )
    debtors_nominal_code = models.CharField(
        max_length=20, default="1100-DEB", help_text="Ledger code of the debtors control account."
    )
    expired_credit_nominal_code = models.CharField(
        max_length=20,
        default="4199-EXP",
        help_text="Ledger code (income) for prepaid credit that expired unspent: it leaves "
        "deferred income for this code when it expires.",
    )

    class Meta:
        verbose_name = "billing settings"

    def __str__(self):
        return "Billing settings"
