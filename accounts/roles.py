"""The service's staff roles, as Wagtail groups. Used by a data migration (so every
database has them) and by seed_demo (so every role has a demo login)."""

MARKETING = "Marketing editors"
MODERATORS = "Moderators"
BOOKINGS = "Bookings officers"
FINANCE = "Finance officers"
FACILITATORS = "Facilitators"
MANAGERS = "Service managers"

_CONTENT_SNIPPETS = ["courses.venue", "courses.facilitator", "courses.audience", "courses.phase"]
_BOOKINGS_MODELS = ["bookings.booking", "bookings.enrolment", "bookings.waitinglistentry"]
_PEOPLE = ["accounts.school", "accounts.membership", "accounts.trustmembership"]
_ORGANISATIONS = ["accounts.localauthority", "accounts.trust", "accounts.consortium"]


def _crud(models, actions=("add", "change", "delete", "view")):
    return [f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in models for a in actions]


# Model permissions per group ("app_label.codename"). Page and collection permissions follow.
MODEL_PERMISSIONS = {
    MARKETING: ["wagtailadmin.access_admin", *_crud(_CONTENT_SNIPPETS)],
    MODERATORS: ["wagtailadmin.access_admin", *_crud(_CONTENT_SNIPPETS, ("view",))],
    BOOKINGS: [
        "wagtailadmin.access_admin",
        *_crud(["courses.courserun"]),
        *_crud(_BOOKINGS_MODELS, ("add", "change", "view")),
        *_crud(_PEOPLE),
        *_crud(_ORGANISATIONS, ("view",)),
        *_crud(_CONTENT_SNIPPETS, ("view",)),
    ],
    FINANCE: [
        "wagtailadmin.access_admin",
        *_crud(["courses.courserun"], ("view",)),
        *_crud(_BOOKINGS_MODELS, ("view",)),
        *_crud(["accounts.school", *_ORGANISATIONS], ("view",)),
    ],
    FACILITATORS: ["wagtailadmin.access_admin"],
    MANAGERS: [
        "wagtailadmin.access_admin",
        *_crud(
            ["courses.courserun", *_BOOKINGS_MODELS, *_PEOPLE, *_ORGANISATIONS, *_CONTENT_SNIPPETS],
            ("view",),
        ),
    ],
}

# Page tree permissions (on the root page) per group.
PAGE_PERMISSIONS = {
    MARKETING: ["add_page", "change_page", "lock_page", "unlock_page"],
    MODERATORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
# Image and document permissions (on the root collection) per group.
COLLECTION_PERMISSIONS = {
    MARKETING: [
        "add_image",
        "change_image",
        "choose_image",
        "add_document",
        "change_document",
        "choose_document",
    ],
    MODERATORS: ["choose_image", "choose_document"],
}
