from django.forms import modelform_factory
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from core.admin_delete import ProtectedDeleteView
from core.exports import SafeSpreadsheetExportMixin

from .forms import NotForYourselfForm
from .models import (
    Consortium,
    ConsortiumMembership,
    LocalAuthority,
    Membership,
    School,
    Trust,
    TrustMembership,
)


class SchoolIndexView(SafeSpreadsheetExportMixin, IndexView):
    def get_base_queryset(self):
        # The listing and its export name each school's authority and trust: one query.
        return super().get_base_queryset().select_related("local_authority", "trust")


class SchoolViewSet(ModelViewSet):
    delete_view_class = ProtectedDeleteView
    model = School
    index_view_class = SchoolIndexView
    url_prefix = "schools"
    icon = "home"
    list_display = ["name", "urn", "local_authority", "type_group", "phase", "status"]
    list_filter = ["local_authority", "phase", "type_group", "trust", "status"]
    search_fields = ["name", "urn", "postcode"]
    inspect_view_enabled = True
    form_fields = ["urn", *School.REGISTER_FIELDS, *School.LOCAL_FIELDS]
    list_export = [
        "urn",
        "name",
        "local_authority.name",
        "get_type_group_display",
        "get_phase_display",
        "get_status_display",
        "trust",
        "postcode",
        "po_number_required",
        "bookings_need_approval",
    ]
    export_headings = {
        "urn": "URN",
        "local_authority.name": "Local authority",
        "get_type_group_display": "Type",
        "get_phase_display": "Phase",
        "get_status_display": "Status",
        "po_number_required": "PO number required",
        "bookings_need_approval": "Bookings need approval",
    }
    export_filename = "schools"


class LocalAuthorityViewSet(ModelViewSet):
    delete_view_class = ProtectedDeleteView
    model = LocalAuthority
    url_prefix = "local-authorities"
    icon = "globe"
    list_display = ["name", "code", "is_partner"]
    form_fields = ["code", "name", "is_partner"]
    search_fields = ["name", "code"]


class TrustViewSet(ModelViewSet):
    delete_view_class = ProtectedDeleteView
    model = Trust
    url_prefix = "trusts"
    icon = "group"
    list_display = ["name", "uid", "billed_centrally"]
    form_fields = ["uid", "name", "billed_centrally"]
    search_fields = ["name", "uid"]


class ConsortiumViewSet(ModelViewSet):
    delete_view_class = ProtectedDeleteView
    model = Consortium
    url_prefix = "consortia"
    icon = "group"
    form_fields = ["name", "schools"]
    search_fields = ["name"]


def _not_for_yourself(viewset):
    return modelform_factory(
        viewset.model,
        form=NotForYourselfForm,
        formfield_callback=viewset.formfield_for_dbfield,
        fields=viewset.form_fields,
    )


def email_status(membership):
    bounce = membership.user.bouncing_email
    if bounce is None:
        return ""
    return f"{bounce.get_kind_display()} {bounce.occurred_at:%-d %b %Y}"


class MembershipIndexView(IndexView):
    def get_base_queryset(self):
        # Each row names the person, their school and whether their email bounces: one query.
        return super().get_base_queryset().select_related("user__email_bounce", "school")


class MembershipViewSet(ModelViewSet):
    """Bookings staff add people to a school, or change their roles, by hand."""

    delete_view_class = ProtectedDeleteView
    index_view_class = MembershipIndexView
    model = Membership
    url_prefix = "memberships"
    icon = "user"
    menu_label = "People at schools"
    list_display = [
        "user",
        "school",
        "is_teacher",
        "is_cpd_lead",
        "is_finance",
        "is_headteacher",
        Column("email_status", label="Email bounces", accessor=email_status),
    ]
    list_filter = ["is_cpd_lead", "is_finance", "school__local_authority"]
    search_fields = ["user__email", "user__last_name", "school__name"]
    form_fields = ["user", "school", "is_teacher", "is_cpd_lead", "is_finance", "is_headteacher"]

    def get_form_class(self, for_update=False):
        return _not_for_yourself(self)


class TrustMembershipViewSet(ModelViewSet):
    """Bookings staff add a trust's first CPD lead (who then adds the others from the trust's
    page) and its finance contacts."""

    model = TrustMembership
    url_prefix = "trust-memberships"
    icon = "user"
    menu_label = "People at trusts"
    list_display = ["user", "trust", "is_cpd_lead", "is_finance"]
    list_filter = ["is_cpd_lead", "is_finance"]
    search_fields = ["user__email", "user__last_name", "trust__name"]
    form_fields = ["user", "trust", "is_cpd_lead", "is_finance"]

    def get_form_class(self, for_update=False):
        return _not_for_yourself(self)


class ConsortiumMembershipViewSet(ModelViewSet):
    """Bookings staff add a consortium's first lead, who then adds the others."""

    model = ConsortiumMembership
    url_prefix = "consortium-leads"
    icon = "user"
    menu_label = "Consortium leads"
    list_display = ["user", "consortium"]
    search_fields = ["user__email", "user__last_name", "consortium__name"]
    form_fields = ["user", "consortium"]

    def get_form_class(self, for_update=False):
        return _not_for_yourself(self)


class SchoolsGroup(ModelViewSetGroup):
    menu_label = "Schools"
    menu_icon = "home"
    menu_order = 160
    items = (
        SchoolViewSet,
        MembershipViewSet,
        LocalAuthorityViewSet,
        TrustViewSet,
        TrustMembershipViewSet,
        ConsortiumViewSet,
        ConsortiumMembershipViewSet,
    )


@hooks.register("register_admin_viewset")
def register_schools():
    return SchoolsGroup()
