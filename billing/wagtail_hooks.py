"""Billing in the Wagtail admin, for finance officers. Stripe's admin actions live in stripe_admin.

It stays one module, long as it is: Wagtail loads hooks from this file by name, and it reads
top to bottom as the Billing and Prices menus do, one viewset per screen, each a few lines of
configuration over the views in billing.admin_views.

Invoices, credit notes and payments are listed and inspected but never edited through a model
form: money moves only through billing.services (record a payment, sell a package, the
invoicing run). Accounts, packages and prices are plain settings, edited here."""

import django_filters
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from core.admin import InspectFirstIndexView, ServicesOnlyViewSet, may

from . import (
    admin_views,
    reports,
    stripe_admin,  # noqa: F401
)
from .dashboard import add_bouncing_finance_contacts, add_overdue_invoices
from .models import (
    Account,
    AccountPackage,
    CourseBandPrice,
    CreditNote,
    Invoice,
    Package,
    Payment,
    PriceBand,
    RunBandPrice,
)

PARTIES = ("account__school", "account__trust", "account__consortium")


def pounds(field, label):
    return Column(
        field, label=label, accessor=lambda obj: f"£{getattr(obj, field):,.2f}", sort_key=field
    )


def account_filter():
    return django_filters.ModelChoiceFilter(
        queryset=Account.objects.select_related("school", "trust", "consortium"), label="Account"
    )


# --- invoices ----------------------------------------------------------------------------------


class InvoiceFilterSet(WagtailFilterSet):
    account = account_filter()
    overdue = django_filters.BooleanFilter(
        label="Overdue",
        method=admin_views.overdue_filter,
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Invoice
        fields = ["status", "account", "overdue"]


class InvoiceIndexView(InspectFirstIndexView):
    select_related = PARTIES

    @property
    def header_buttons(self):
        if not may(self.request.user, Invoice, "add"):
            return []
        url = reverse("billing_manual_invoice:index")
        return [HeaderButton("Add a manual invoice", url=url, icon_name="plus")]

    def get_base_queryset(self):
        return reports.with_outstanding(super().get_base_queryset())


def _due(invoice):
    owed = getattr(invoice, "owed", 0)
    if invoice.due_on and owed > 0 and invoice.due_on < timezone.localdate():
        return f"{invoice.due_on:%d %b %Y} (overdue)"
    return f"{invoice.due_on:%d %b %Y}" if invoice.due_on else "—"


class InvoiceViewSet(ServicesOnlyViewSet):
    model = Invoice
    name = "billing_invoices"
    url_prefix = "billing/invoices"
    icon = "doc-full"
    menu_label = "Invoices"
    index_view_class = InvoiceIndexView
    inspect_view_class = admin_views.InvoiceInspectView
    list_display = [
        "__str__",
        Column("account", label="Account", accessor="account.name"),
        "status",
        Column("issued_on", label="Issued", sort_key="issued_on"),
        Column("due_on", label="Due", accessor=_due, sort_key="due_on"),
        pounds("gross", "Total"),
        pounds("owed", "Outstanding"),
    ]
    ordering = "-pk"
    filterset_class = InvoiceFilterSet
    search_fields = ["number", "po_number"]
    list_export = [
        "number",
        "account.name",
        "get_status_display",
        "issued_on",
        "due_on",
        "po_number",
        "net",
        "vat",
        "gross",
        "owed",
    ]
    export_headings = {
        "account.name": "Account",
        "get_status_display": "Status",
        "issued_on": "Issued",
        "due_on": "Due",
        "owed": "Outstanding",
    }
    export_filename = "invoices"
    inspect_view_fields = [
        "number",
        "account",
        "status",
        "po_number",
        "period",
        "booking",
        "issued_on",
        "due_on",
        "net",
        "vat",
        "gross",
        "created_by",
        "reason",
        "created_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("pdf/<id:pk>/", admin_views.InvoicePDFView.as_view(), name="pdf"),
        ]


# --- credit notes ------------------------------------------------------------------------------


class CreditNoteFilterSet(WagtailFilterSet):
    account = account_filter()

    class Meta:
        model = CreditNote
        fields = ["settlement", "account"]


class CreditNoteIndexView(InspectFirstIndexView):
    select_related = ("invoice", *PARTIES)


class CreditNoteViewSet(ServicesOnlyViewSet):
    model = CreditNote
    name = "billing_credit_notes"
    url_prefix = "billing/credit-notes"
    icon = "doc-empty"
    menu_label = "Credit notes"
    index_view_class = CreditNoteIndexView
    inspect_view_class = admin_views.CreditNoteInspectView
    list_display = [
        "number",
        Column("invoice", label="Invoice", accessor="invoice.number"),
        Column("account", label="Account", accessor="account.name"),
        Column("issued_on", label="Issued", sort_key="issued_on"),
        "reason",
        pounds("gross", "Total"),
        "settlement",
    ]
    ordering = "-pk"
    filterset_class = CreditNoteFilterSet
    search_fields = ["number", "invoice__number", "reason"]
    list_export = [
        "number",
        "invoice.number",
        "account.name",
        "issued_on",
        "reason",
        "net",
        "vat",
        "gross",
        "returned",
        "get_settlement_display",
        "stripe_refund_id",
    ]
    export_headings = {
        "invoice.number": "Invoice",
        "account.name": "Account",
        "issued_on": "Issued",
        "returned": "Held as credit or refunded",
        "get_settlement_display": "Settlement",
        "stripe_refund_id": "Stripe refund",
    }
    export_filename = "credit-notes"
    inspect_view_fields = [
        "number",
        "invoice",
        "account",
        "issued_on",
        "reason",
        "net",
        "vat",
        "gross",
        "returned",
        "settlement",
        "stripe_refund_id",
        "created_by",
        "created_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("pdf/<id:pk>/", admin_views.CreditNotePDFView.as_view(), name="pdf"),
        ]


# --- payments ----------------------------------------------------------------------------------


class PaymentFilterSet(WagtailFilterSet):
    account = account_filter()

    class Meta:
        model = Payment
        fields = ["method", "account"]


class PaymentIndexView(InspectFirstIndexView):
    select_related = ("invoice", "recorded_by", *PARTIES)

    @property
    def header_buttons(self):
        if not may(self.request.user, Payment, "add"):
            return []
        url = reverse("billing_record_payment:index")
        return [HeaderButton("Record a payment", url=url, icon_name="plus")]


class PaymentViewSet(ServicesOnlyViewSet):
    model = Payment
    name = "billing_payments"
    url_prefix = "billing/payments"
    icon = "tick-inverse"
    menu_label = "Payments"
    index_view_class = PaymentIndexView
    inspect_view_class = admin_views.PaymentInspectView
    list_display = [
        "received_on",
        Column("invoice", label="Invoice", accessor="invoice.number"),
        Column("account", label="Account", accessor="account.name"),
        "method",
        pounds("amount", "Amount"),
        pounds("applied", "Applied"),
        "reference",
        Column("recorded_by", label="Recorded by"),
    ]
    ordering = "-pk"
    filterset_class = PaymentFilterSet
    search_fields = ["reference", "invoice__number", "stripe_payment_intent"]
    list_export = [
        "received_on",
        "invoice.number",
        "account.name",
        "get_method_display",
        "amount",
        "applied",
        "refunded",
        "reference",
        "stripe_payment_intent",
    ]
    export_headings = {
        "invoice.number": "Invoice",
        "account.name": "Account",
        "get_method_display": "Method",
    }
    export_filename = "payments"
    inspect_view_fields = [
        "invoice",
        "account",
        "method",
        "amount",
        "applied",
        "refunded",
        "reference",
        "received_on",
        "recorded_by",
        "stripe_checkout_session",
        "stripe_payment_intent",
        "receipt_sent_at",
    ]


# --- accounts and packages sold ------------------------------------------------------------------


class NoDeleteViewSet(ModelViewSet):
    """Add and edit, no copy or delete: these rows are referenced by invoices and prices."""

    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        return {**super().get_common_view_kwargs(**kwargs), "delete_url_name": None}

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name != "delete"]


class AccountIndexView(InspectFirstIndexView):
    select_related = ("school", "trust", "consortium", "price_band")


class AccountViewSet(NoDeleteViewSet):
    model = Account
    name = "billing_accounts"
    url_prefix = "billing/accounts"
    icon = "group"
    menu_label = "Accounts"
    inspect_view_enabled = True
    index_view_class = AccountIndexView
    inspect_view_class = admin_views.AccountInspectView
    add_to_reference_index = False
    list_display = [
        "__str__",
        "kind",
        "invoicing",
        Column("price_band", label="Price band override"),
        Column("reminders_paused", label="Reminders paused",
               accessor=lambda a: "Paused" if a.reminders_paused else ""),
    ]  # fmt: skip
    list_filter = ["kind", "invoicing", "reminders_paused"]
    search_fields = ["school__name", "trust__name", "consortium__name"]
    inspect_view_fields = ["kind", "invoicing", "price_band", "reminders_paused"]
    list_export = [
        "name",
        "get_kind_display",
        "get_invoicing_display",
        "price_band",
        "reminders_paused",
    ]
    export_headings = {
        "get_kind_display": "Kind",
        "get_invoicing_display": "Invoicing",
        "price_band": "Price band override",
    }
    export_filename = "accounts"

    def get_form_class(self, for_update=False):
        return admin_views.AccountEditForm if for_update else admin_views.AccountCreateForm


class AccountPackageIndexView(InspectFirstIndexView):
    select_related = ("package", *PARTIES)

    @property
    def header_buttons(self):
        if not may(self.request.user, AccountPackage, "add"):
            return []
        url = reverse("billing_sell_package:index")
        return [HeaderButton("Sell a package", url=url, icon_name="plus")]


class AccountPackageViewSet(ServicesOnlyViewSet):
    model = AccountPackage
    name = "billing_packages_sold"
    url_prefix = "billing/packages-sold"
    icon = "tag"
    menu_label = "Packages sold"
    index_view_class = AccountPackageIndexView
    list_display = [
        "account",
        "package",
        Column("starts_on", label="From", sort_key="starts_on"),
        Column("ends_on", label="Until", sort_key="ends_on"),
    ]
    ordering = "-starts_on"
    list_filter = ["package"]
    list_export = ["account.name", "package.name", "starts_on", "ends_on"]
    export_headings = {"account.name": "Account", "package.name": "Package"}
    export_filename = "packages-sold"


# --- pages that are not a model's: record a payment, sell a package, run invoicing, reports -------


class BillingPageViewSet(ViewSet):
    """One admin page (or a few) in the Billing menu, shown to those with `permission`."""

    permission = None
    view_class = None

    @property
    def menu_item_class(self):
        permission = self.permission

        def is_shown(_item, request):
            return request.user.has_perm(permission)

        return type(f"{self.__class__.__name__}MenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        return [path("", self.view_class.as_view(), name="index")]


class RecordPaymentViewSet(BillingPageViewSet):
    name = "billing_record_payment"
    url_prefix = "billing/record-payment"
    menu_label = "Record a payment"
    icon = "plus"
    permission = "billing.add_payment"
    view_class = admin_views.RecordPaymentView


class AllocateRemittanceViewSet(BillingPageViewSet):
    """Reached from an account's or an invoice's page (it needs the account), not the menu."""

    name = "billing_allocate_remittance"
    url_prefix = "billing/allocate-remittance"
    icon = "tick-inverse"
    permission = "billing.add_payment"
    view_class = admin_views.AllocateRemittanceView


class AdjustCreditViewSet(BillingPageViewSet):
    """Reached from an account's page, not the menu."""

    name = "billing_adjust_credit"
    url_prefix = "billing/adjust-credit"
    icon = "plus"
    permission = "billing.change_account"

    def get_urlpatterns(self):
        return [
            path("<id:pk>/", admin_views.AdjustCreditView.as_view(), name="index"),
            path("lots/<id:pk>/extend/", admin_views.ExtendCreditView.as_view(), name="extend"),
        ]


class CorrectInvoiceViewSet(BillingPageViewSet):
    """A credit note or a void, reached from an invoice's page."""

    name = "billing_correct_invoice"
    url_prefix = "billing/correct-invoice"
    icon = "doc-empty"
    permission = "billing.add_creditnote"

    def get_urlpatterns(self):
        return [
            path("<id:pk>/credit/", admin_views.ManualCreditNoteView.as_view(), name="credit"),
            path("<id:pk>/void/", admin_views.VoidInvoiceView.as_view(), name="void"),
        ]


class ManualInvoiceViewSet(BillingPageViewSet):
    """Reached from the invoices list and an account's page."""

    name = "billing_manual_invoice"
    url_prefix = "billing/manual-invoice"
    icon = "doc-full"
    permission = "billing.add_invoice"
    view_class = admin_views.ManualInvoiceView


class SellPackageViewSet(BillingPageViewSet):
    name = "billing_sell_package"
    url_prefix = "billing/sell-package"
    menu_label = "Sell a package"
    icon = "tag"
    permission = "billing.add_accountpackage"
    view_class = admin_views.SellPackageView


class RunInvoicingViewSet(BillingPageViewSet):
    name = "billing_run_invoicing"
    url_prefix = "billing/run-invoicing"
    menu_label = "Run invoicing"
    icon = "resubmit"
    permission = "billing.add_invoice"
    view_class = admin_views.RunInvoicingView

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<str:job>/", admin_views.InvoicingProgressView.as_view(), name="progress"),
            path("<str:job>/status/", admin_views.InvoicingStatusView.as_view(), name="status"),
        ]


class LedgerExportViewSet(BillingPageViewSet):
    name = "billing_ledger_export"
    url_prefix = "billing/ledger-export"
    menu_label = "Ledger export"
    icon = "download"
    permission = "billing.view_invoice"
    view_class = admin_views.LedgerExportView


class AgedDebtViewSet(BillingPageViewSet):
    name = "billing_aged_debt"
    url_prefix = "billing/aged-debt"
    menu_label = "Aged debt"
    icon = "time"
    permission = "billing.view_invoice"
    view_class = admin_views.AgedDebtView


class BillingGroup(ViewSetGroup):
    menu_label = "Billing"
    menu_icon = "doc-full"
    menu_order = 165  # after Bookings (155) and Schools (160)
    items = (
        InvoiceViewSet,
        CreditNoteViewSet,
        PaymentViewSet,
        RecordPaymentViewSet,
        AccountViewSet,
        AccountPackageViewSet,
        SellPackageViewSet,
        RunInvoicingViewSet,
        LedgerExportViewSet,
        AgedDebtViewSet,
    )


# --- prices ------------------------------------------------------------------------------------


class PriceBandViewSet(NoDeleteViewSet):
    model = PriceBand
    name = "billing_price_bands"
    url_prefix = "billing/price-bands"
    icon = "list-ul"
    menu_label = "Price bands"
    form_fields = ["name", "percent_of_list_price"]
    list_display = ["name", "code", "percent_of_list_price"]

    def get_urlpatterns(self):
        # The four bands are fixed (pricing names them by code): edit, never add.
        return [p for p in super().get_urlpatterns() if p.name not in ("add",)]

    def get_common_view_kwargs(self, **kwargs):
        return {**super().get_common_view_kwargs(**kwargs), "add_url_name": None}


class PackageViewSet(NoDeleteViewSet):
    model = Package
    name = "billing_packages"
    url_prefix = "billing/packages"
    icon = "tag"
    menu_label = "Packages"
    list_display = [
        "name",
        "kind",
        "voucher_type",
        "price",
        "discount_percent",
        "credit_amount",
        "nominal_code",
    ]
    # Finance officers read here, in plain words, how VAT falls on a package (docs/vat.md).
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "kind",
        "voucher_type",
        "price",
        "credit_amount",
        "discount_percent",
        "nominal_code",
        "vat_explained",
    ]

    def get_form_class(self, for_update=False):
        return admin_views.PackageForm


class CourseBandPriceViewSet(ModelViewSet):
    model = CourseBandPrice
    name = "billing_course_prices"
    url_prefix = "billing/course-prices"
    icon = "pick"
    menu_label = "Course prices per band"
    copy_view_enabled = False
    list_display = ["course", "band", "price"]
    list_filter = ["band"]

    def get_form_class(self, for_update=False):
        return admin_views.CourseBandPriceForm


class RunBandPriceViewSet(ModelViewSet):
    model = RunBandPrice
    name = "billing_run_prices"
    url_prefix = "billing/run-prices"
    icon = "date"
    menu_label = "Run prices per band"
    copy_view_enabled = False
    list_display = [Column("run", label="Run", accessor="run.reference"), "band", "price"]
    list_filter = ["band"]

    def get_form_class(self, for_update=False):
        return admin_views.RunBandPriceForm


class PricesGroup(ModelViewSetGroup):
    menu_label = "Prices"
    menu_icon = "pick"
    menu_order = 166
    items = (PriceBandViewSet, PackageViewSet, CourseBandPriceViewSet, RunBandPriceViewSet)


hooks.register("construct_homepage_panels", add_overdue_invoices)
hooks.register("construct_homepage_panels", add_bouncing_finance_contacts)


@hooks.register("register_admin_viewset")
def register_billing():
    return BillingGroup()


@hooks.register("register_admin_viewset")
def register_allocate_remittance():
    return AllocateRemittanceViewSet()


@hooks.register("register_admin_viewset")
def register_corrections():
    return AdjustCreditViewSet()


@hooks.register("register_admin_viewset")
def register_correct_invoice():
    return CorrectInvoiceViewSet()


@hooks.register("register_admin_viewset")
def register_manual_invoice():
    return ManualInvoiceViewSet()


@hooks.register("register_admin_viewset")
def register_prices():
    return PricesGroup()
