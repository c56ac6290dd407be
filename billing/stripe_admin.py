"""Stripe actions for finance officers in the Wagtail admin: refund a credit note to the card.

"Card refunds" lists credit notes whose returned money is held as account credit on an
invoice paid by card online; each has a confirm page whose POST calls
stripe_gateway.refund_credit_note. Needs billing.change_creditnote."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from . import stripe_gateway
from .models import CreditNote, Payment
from .services import BillingError

PERMISSION = "billing.change_creditnote"


def refundable_notes():
    card_paid = (
        Payment.objects.filter(method=Payment.Method.CARD)
        .exclude(stripe_payment_intent="")
        .values("invoice")
    )
    return (
        CreditNote.objects.filter(
            settlement=CreditNote.Settlement.ACCOUNT_CREDIT,
            returned__gt=0,
            stripe_refund_id="",
            invoice__in=card_paid,
        )
        .select_related("account__school", "account__trust", "account__consortium", "invoice")
        .order_by("-issued_on", "-pk")
    )


def refund_url(note):
    """For links from elsewhere in the admin (e.g. a credit note's page)."""
    return reverse("billing_stripe_admin:refund", args=[note.pk])


class CardRefundView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = CreditNote
    permission_required = "change"
    header_icon = "undo"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_stripe_admin:index"), "label": "Card refunds"},
        ]


class RefundListView(CardRefundView):
    page_title = "Card refunds"
    template_name = "billing/admin/stripe_refunds.html"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(notes=refundable_notes(), **kwargs)


class RefundConfirmView(CardRefundView):
    page_title = "Refund to the card"
    template_name = "billing/admin/stripe_refund_confirm.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.note = get_object_or_404(
            CreditNote.objects.select_related("invoice", "account"), pk=kwargs["credit_note_id"]
        )

    def get_page_subtitle(self):
        return self.note.number

    def get_context_data(self, **kwargs):
        try:
            payment, _ = stripe_gateway.check_refundable(self.note)
            problem = None
        except BillingError as refusal:
            payment, problem = None, str(refusal)
        return super().get_context_data(note=self.note, payment=payment, problem=problem, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            note = stripe_gateway.refund_credit_note(self.note, by=request.user)
        except BillingError as refusal:
            messages.error(request, str(refusal))
            self.note.refresh_from_db()
            return self.render_to_response(self.get_context_data(), status=200)
        messages.success(
            request,
            f"£{note.returned:,.2f} of {note.number} is being refunded to the card "
            f"(Stripe refund {note.stripe_refund_id}); it has left {note.account}'s credit.",
        )
        return redirect("billing_stripe_admin:index")


urlpatterns = [
    path("", RefundListView.as_view(), name="index"),
    path("<id:credit_note_id>/", RefundConfirmView.as_view(), name="refund"),
]


@hooks.register("register_admin_urls")
def register_card_refund_pages():
    return [
        path(
            "billing/card-refunds/",
            include((urlpatterns, "billing_stripe_admin"), namespace="billing_stripe_admin"),
        )
    ]


class PermittedMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_menu_item")
def register_card_refunds_menu_item():
    return PermittedMenuItem(
        "Card refunds",
        reverse("billing_stripe_admin:index"),
        name="card-refunds",
        icon_name="undo",
        order=720,
    )
