"""Demo billing: packages, a consortium budget, a school on monthly statements. Idempotent."""

from decimal import Decimal
from importlib import import_module

from django.utils import timezone

from accounts.models import Consortium, School
from billing import services
from billing.models import Account, AccountPackage, Package, PriceBand
from core.academic_year import AcademicYear
from courses.models import StrandPage
from settlement.services import run_invoicing

PACKAGES = [
    # name, kind, price, discount %, credit £
    ("Bronze", Package.Kind.DISCOUNT, "450.00", "5.00", "0.00"),
    ("Silver", Package.Kind.DISCOUNT, "850.00", "10.00", "0.00"),
    ("Gold", Package.Kind.CREDITS, "2700.00", "0.00", "3000.00"),
]

NOMINAL_CODES = {  # by the demo strands' slugs (demo/content.py)
    "teaching-and-learning": "4101-ITL",
    "leadership": "4102-LDR",
    "using-data": "4103-DAT",
    "inclusion": "4104-INC",
    "inspection": "4105-INS",
}


def seed_billing():
    """Run before the demo's runs are filled, so the fills are priced and invoiced by these."""
    # The bands come from a data migration; a test that flushes the database removes them.
    for code, name, percent in import_module("billing.migrations.0002_price_bands").BANDS:
        PriceBand.objects.get_or_create(
            code=code, defaults={"name": name, "percent_of_list_price": percent}
        )
    for slug, code in NOMINAL_CODES.items():
        StrandPage.objects.filter(slug=slug, nominal_code="").update(nominal_code=code)
    packages = {}
    for name, kind, price, discount, credit in PACKAGES:
        packages[name], _ = Package.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "price": Decimal(price),
                "discount_percent": Decimal(discount),
                "credit_amount": Decimal(credit),
            },
        )
    schools = {s.urn: s for s in School.objects.filter(urn__in=[990001, 990002, 990004, 990005])}
    # Oakfield pays by monthly statement; the others per booking.
    oakfield = services.school_account(schools[990001])
    if oakfield.invoicing != Account.Invoicing.MONTHLY:
        oakfield.invoicing = Account.Invoicing.MONTHLY
        oakfield.save(update_fields=["invoicing"])
    consortium, _ = Consortium.objects.get_or_create(name="Haverleigh Special Schools Partnership")
    consortium.schools.add(schools[990004])
    # A consortium has no address in GIAS: invoices for its shared budget go to the school
    # that holds it.
    budget, _ = Account.objects.get_or_create(
        consortium=consortium,
        defaults={
            "kind": Account.Kind.CONSORTIUM,
            "contact_name": "Partnership Business Manager",
            "contact_email": "partnership@brookvale.sch.uk",
            "address_line_1": "c/o Brookvale Special School",
            "address_line_2": "Brookvale Drive",
            "address_line_3": "Marsh End",
            "town": "Haverleigh",
            "postcode": "HV6 8BD",
        },
    )
    start = AcademicYear.current().first_day
    for account, package in [
        (services.school_account(schools[990002]), "Bronze"),
        (services.school_account(schools[990005]), "Gold"),
        (budget, "Gold"),
    ]:
        if not AccountPackage.objects.filter(account=account).exists():
            services.buy_package(account, packages[package], starts_on=start, by=None)


def invoice_demo_statements():
    """After the fills: Oakfield's statement to date, so its finance contact has an invoice."""
    return run_invoicing(timezone.localdate().strftime("%Y-%m"))
