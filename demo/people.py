"""The demo's schools and people: two local authorities, six schools with their addresses,
a login for every staff role and school role (one password, refused under production settings),
and fictional colleagues to fill runs with."""

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import (
    Consortium,
    ConsortiumMembership,
    LocalAuthority,
    Membership,
    School,
    Trust,
    TrustMembership,
    User,
)
from accounts.staff_groups import sync_staff_groups

DEMO_PASSWORD = "cpd-demo-2026"  # noqa: S105  (demo only; refused under production settings)

DEMO_SCHOOLS = [
    # urn, name, la code, type_group, phase, domains, needs approval
    (990001, "Oakfield Primary School", "901", "la_maintained", "primary", "oakfield.sch.uk", True),
    (
        990002,
        "St Anne's Catholic Primary School",
        "901",
        "la_maintained",
        "primary",
        "stannes.sch.uk",
        False,
    ),
    (990003, "Riverside Academy", "901", "academy", "secondary", "riverside-academy.org.uk", False),
    (
        990004,
        "Brookvale Special School",
        "901",
        "special",
        "all_through",
        "brookvale.sch.uk",
        False,
    ),
    (990005, "Hilltop High School", "902", "la_maintained", "secondary", "hilltop.sch.uk", False),
    (
        990006,
        "Greenway Independent School",
        "902",
        "independent",
        "all_through",
        "greenway.org.uk",
        False,
    ),
]

# Each demo school's postal address, as GIAS would give it: street, locality, town, postcode.
# Haverleigh and Northwich are fictional; so are these streets and HV postcodes.
DEMO_SCHOOL_ADDRESSES = {
    990001: ("Oakfield Road", "Eastbrook", "Haverleigh", "HV3 1AA"),
    990002: ("12 Church Lane", "Old Town", "Haverleigh", "HV1 4BX"),
    990003: ("Riverside Walk", "", "Haverleigh", "HV5 2RA"),
    990004: ("Brookvale Drive", "Marsh End", "Haverleigh", "HV6 8BD"),
    990005: ("Hilltop Avenue", "Upper Northwich", "Northwich", "HV9 2HT"),
    990006: ("Greenway House", "Greenway Lane", "Northwich", "HV8 5GW"),
}

TRUST_NAME = "Haverleigh Learning Trust"
CONSORTIUM_NAME = "Haverleigh Special Schools Partnership"  # made by demo/billing.py

DEMO_USERS = [
    # email, first, last, kind, detail
    ("admin@example.gov.uk", "Alex", "Admin", "superuser", None),
    ("editor@example.gov.uk", "Maya", "Editor", "group", "Marketing editors"),
    ("moderator@example.gov.uk", "Sam", "Moderator", "group", "Moderators"),
    ("bookings@example.gov.uk", "Bea", "Bookings", "group", "Bookings officers"),
    ("finance.officer@example.gov.uk", "Fin", "Officer", "group", "Finance officers"),
    ("facilitator@example.gov.uk", "Sarah", "Whitfield", "group", "Facilitators"),
    ("manager@example.gov.uk", "Morgan", "Manager", "group", "Service managers"),
    ("teacher@oakfield.sch.uk", "Tom", "Teacher", "school", ("990001", "teacher")),
    ("cpdlead@oakfield.sch.uk", "Chloe", "Lead", "school", ("990001", "cpd_lead")),
    ("finance@oakfield.sch.uk", "Frank", "Finance", "school", ("990001", "finance")),
    ("head@oakfield.sch.uk", "Hannah", "Head", "school", ("990001", "headteacher")),
    ("teacher@riverside-academy.org.uk", "Ravi", "Teacher", "school", ("990003", "teacher")),
    # Has been on courses (HISTORY in demo/bookings.py): a CPD record, certificates, one
    # evaluation still to do.
    ("ta@oakfield.sch.uk", "Amira", "Hassan", "school", ("990001", "teacher")),
    # Act for a group of schools (groups(), after billing makes the consortium's budget).
    ("cpdlead@haverleigh-trust.org.uk", "Tariq", "Lead", "trust", TRUST_NAME),
    ("lead@haverleigh-partnership.org.uk", "Priya", "Partner", "consortium", CONSORTIUM_NAME),
]


def schools():
    partner, _ = LocalAuthority.objects.get_or_create(
        code="901", defaults={"name": "Haverleigh", "is_partner": True}
    )
    LocalAuthority.objects.get_or_create(
        code="902", defaults={"name": "Northwich Borough", "is_partner": False}
    )
    las = {la.code: la for la in LocalAuthority.objects.filter(code__in=["901", "902"])}
    for urn, name, la, group, phase, domain, approval in DEMO_SCHOOLS:
        street, locality, town, postcode = DEMO_SCHOOL_ADDRESSES[urn]
        School.objects.get_or_create(
            urn=urn,
            defaults={
                "name": name,
                "local_authority": las[la],
                "type_group": group,
                "phase": phase,
                "status": School.Status.OPEN,
                "street": street,
                "locality": locality,
                "town": town,
                "postcode": postcode,
                "email_domains": domain,
                "bookings_need_approval": approval,
                "type_name": dict(School.TypeGroup.choices)[group],
            },
        )
        # Oakfield's business manager also approves any place over £150 (two-stage approval).
        if urn == 990001:
            School.objects.filter(urn=urn, approval_spend_threshold__isnull=True).update(
                approval_spend_threshold=150
            )
        # A demo database seeded before schools had addresses gets them now.
        School.objects.filter(urn=urn, street="", town="").update(
            street=street, locality=locality, town=town, postcode=postcode
        )


def staff_groups():
    """Every role's group with exactly its grants (accounts/roles.py). Migrations make them;
    this puts them back on a database whose tables were flushed, as tests do."""
    sync_staff_groups(apps)


def users():
    for email, first, last, kind, detail in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=kind in {"superuser", "group"},
                is_superuser=kind == "superuser",
            )
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        if kind == "group":
            group, _ = Group.objects.get_or_create(name=detail)
            user.groups.add(group)
        if kind == "school":
            urn, role = detail
            school = School.objects.get(urn=int(urn))
            membership, _ = Membership.objects.get_or_create(user=user, school=school)
            setattr(membership, f"is_{role}", True)
            membership.save()


def groups():
    """A multi-academy trust (Riverside Academy) with a trust-wide CPD lead, and a lead for
    the consortium demo/billing.py makes: both act for schools they are not members of."""
    trust, _ = Trust.objects.get_or_create(uid="DEMO-T1", defaults={"name": TRUST_NAME})
    School.objects.filter(urn=990003, trust__isnull=True).update(trust=trust)
    consortium = Consortium.objects.get(name=CONSORTIUM_NAME)
    for email, _, _, kind, _ in DEMO_USERS:
        user = User.objects.get(email=email)
        if kind == "trust":
            TrustMembership.objects.get_or_create(
                user=user, trust=trust, defaults={"is_cpd_lead": True, "is_finance": False}
            )
        elif kind == "consortium":
            ConsortiumMembership.objects.get_or_create(user=user, consortium=consortium)


def demo_logins():
    return [
        (email, DEMO_PASSWORD, _describe(kind, detail)) for email, _, _, kind, detail in DEMO_USERS
    ]


def _describe(kind, detail):
    if kind == "superuser":
        return "Wagtail admin (superuser)"
    if kind == "group":
        return f"Wagtail admin ({detail})"
    if kind == "trust":
        return f"CPD lead for every school in {detail} (Riverside Academy)"
    if kind == "consortium":
        return f"Lead of the {detail}: sees its schools' bookings and budget"
    urn, role = detail
    return f"{dict(Membership.Role.choices)[role]} at school URN {urn}"


DEMO_STAFF_FIRST = [
    "Aisha",
    "Ben",
    "Carys",
    "Dev",
    "Ellie",
    "Femi",
    "Grace",
    "Harry",
    "Imran",
    "Jess",
    "Kwame",
    "Lily",
    "Marek",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sofia",
]
DEMO_STAFF_LAST = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okoro",
    "Patel",
]


def demo_staff(school, count):
    """Fictional colleagues at a demo school, for filling runs."""
    domain = school.domains[0]
    users = []
    for i in range(count):
        first = DEMO_STAFF_FIRST[(i + school.urn) % len(DEMO_STAFF_FIRST)]
        last = DEMO_STAFF_LAST[(i * 7 + school.urn) % len(DEMO_STAFF_LAST)]
        email = f"{first}.{last}{i}@{domain}".lower()
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, None, first_name=first, last_name=last
        )
        Membership.objects.get_or_create(user=user, school=school)
        users.append(user)
    return users
