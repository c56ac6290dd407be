"""The service's staff roles, as Wagtail groups: the one list of what each role may do.

A data migration (accounts/0004) makes every group's permissions exactly these, so a
database never drifts from this file; seed_demo gives every role a demo login, and
docs/architecture.md ("Staff roles") describes them for people.

Money and places never move through a model form: "add" on Payment is recording a payment,
on AccountPackage selling a package, on Invoice running the invoicing; "change" on
CreditNote is a Stripe refund (billing.services and billing.stripe_admin check these)."""

MARKETING = "Marketing editors"
MODERATORS = "Moderators"
BOOKINGS = "Bookings officers"
FINANCE = "Finance officers"
FACILITATORS = "Facilitators"
MANAGERS = "Service managers"

# Groups Wagtail's own migrations make that would duplicate ours: their members move to ours.
RETIRED_GROUPS = {"Editors": MARKETING}

_CONTENT_SNIPPETS = ["courses.venue", "courses.facilitator", "courses.audience", "courses.phase"]
_MARKETING_TOOLS = ["wagtailredirects.redirect", "wagtailsearchpromotions.searchpromotion"]
_BOOKINGS_MODELS = ["bookings.booking", "bookings.enrolment", "bookings.waitinglistentry"]
# Listed in the admin, read only: reserving, naming and giving back go through the services.
_RESERVATIONS = ["bookings.reservation"]
_PEOPLE = [
    "accounts.school",
    "accounts.membership",
    "accounts.trustmembership",
    "accounts.consortiummembership",
]
_ORGANISATIONS = ["accounts.localauthority", "accounts.trust", "accounts.consortium"]
_BILLING_RECORDS = [
    f"billing.{model}"
    for model in (
        "invoice",
        "invoiceline",
        "creditnote",
        "creditnoteline",
        "payment",
        "account",
        "accountpackage",
        "package",
        "priceband",
        "coursebandprice",
        "runbandprice",
        "creditentry",
        "numberseries",
        "checkoutattempt",
        "stripeevent",
    )
]
# Every report (the reports app); finance officers get the income report alone (below).
_REPORTS = ["reports.view_reports", "reports.view_income_report"]

ALL = ("add", "change", "delete", "view")


def _perms(models, actions=ALL):
    return [f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in models for a in actions]


# Model permissions per group ("app_label.codename"). Page and collection permissions follow.
MODEL_PERMISSIONS = {
    MARKETING: [
        "wagtailadmin.access_admin",
        *_perms(_CONTENT_SNIPPETS),
        *_perms(_MARKETING_TOOLS),
        "home.change_sitesettings",  # the organisation's name, contact details, social links
    ],
    MODERATORS: ["wagtailadmin.access_admin", *_perms(_CONTENT_SNIPPETS, ("view",))],
    BOOKINGS: [
        "wagtailadmin.access_admin",
        *_perms(["courses.courserun"]),
        # No delete: a place ends by cancellation (bookings.services), which keeps its history.
        *_perms(_BOOKINGS_MODELS, ("add", "change", "view")),
        *_perms(_RESERVATIONS, ("view",)),
        *_perms(_PEOPLE),
        *_perms(_ORGANISATIONS, ("view",)),
        *_perms(_CONTENT_SNIPPETS, ("view",)),
    ],
    FINANCE: [
        "wagtailadmin.access_admin",
        *_perms(["courses.courserun"], ("view",)),
        *_perms([*_BOOKINGS_MODELS, *_RESERVATIONS], ("view",)),
        *_perms(["accounts.school", *_ORGANISATIONS], ("view",)),
        *_perms(_BILLING_RECORDS, ("view",)),
        "billing.add_invoice",  # run invoicing
        "billing.add_payment",  # record a BACS or cheque payment
        "billing.add_accountpackage",  # sell a package
        "billing.add_creditnote",
        "billing.change_creditnote",  # refund a credit note to the card, or keep it as credit
        "billing.add_account",
        "billing.change_account",
        "billing.add_package",
        "billing.change_package",
        "billing.change_priceband",
        *_perms(["billing.coursebandprice", "billing.runbandprice"], ("add", "change", "delete")),
        "billing.change_billingsettings",
        "reports.view_income_report",  # the income report, not the others
    ],
    # Registers are on the public site, for their own runs (bookings.attendance.registers_for);
    # the admin only shows them the way there.
    FACILITATORS: ["wagtailadmin.access_admin"],
    MANAGERS: [
        "wagtailadmin.access_admin",
        *_perms(
            [
                "courses.courserun",
                *_BOOKINGS_MODELS,
                *_RESERVATIONS,
                *_PEOPLE,
                *_ORGANISATIONS,
                *_CONTENT_SNIPPETS,
                *_BILLING_RECORDS,
            ],
            ("view",),
        ),
        *_REPORTS,
    ],
}

# Page tree permissions (on the root page) per group. Marketing editors' changes go to the
# moderators through the site's workflows; moderators publish.
PAGE_PERMISSIONS = {
    MARKETING: ["add_page", "change_page", "lock_page", "unlock_page"],
    MODERATORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
# Image and document permissions (on the root collection) per group.
COLLECTION_PERMISSIONS = {
    MARKETING: [
        f"{app}.{action}_{model}"
        for app, model in (("wagtailimages", "image"), ("wagtaildocs", "document"))
        for action in ("add", "change", "delete", "choose")
    ],
    MODERATORS: ["wagtailimages.choose_image", "wagtaildocs.choose_document"],
}
# Groups whose members approve workflow tasks (Wagtail's "Moderators approval" and ours).
APPROVERS = [MODERATORS]


def staff_role_names(user):
    """The user's staff groups, read once per request."""
    if not hasattr(user, "_staff_roles"):
        user._staff_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._staff_roles


def holds_staff_role(user, *names):
    """A superuser, or a member of one of these staff groups (the dashboard's panels by role)."""
    return user.is_superuser or bool(staff_role_names(user) & set(names))
