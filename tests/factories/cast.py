"""The tests' usual cast, built by the factories with the demo's names, emails and roles (so a
test reads the same whether it runs on the demo or not): Oakfield Primary (URN 990001) with a
teacher, a CPD lead, a finance contact and a head; Riverside Academy (URN 990003) with a
teacher; and a superuser on the CPD team. `officer` adds the demo's council staff, one per
role group, by the demo's names, and `school` the demo's other schools by URN."""

from accounts import roles
from accounts.models import School, User

from . import accounts, billing


def people():
    """The `people` fixture's dictionary, freshly built."""
    haverleigh = accounts.local_authority("901", "Haverleigh", is_partner=True)
    oakfield = accounts.school(
        "Oakfield Primary School",
        urn=990001,
        domain="oakfield.sch.uk",
        la=haverleigh,
        bookings_need_approval=True,
        street="Oakfield Road",
        locality="Eastbrook",
        town="Haverleigh",
        postcode="HV3 1AA",
    )
    riverside = accounts.school(
        "Riverside Academy",
        urn=990003,
        domain="riverside-academy.org.uk",
        la=haverleigh,
        type_group=School.TypeGroup.ACADEMY,
        phase=School.Phase.SECONDARY,
        street="Riverside Walk",
        town="Haverleigh",
        postcode="HV5 2RA",
    )
    # As in the demo, Oakfield pays by monthly statement; Riverside per booking.
    billing.account(oakfield, invoicing=billing.MONTHLY)

    def member(school, email, first, last, *roles):
        return accounts.member(school, *roles, email=email, first_name=first, last_name=last)

    return {
        "school_a": oakfield,
        "school_b": riverside,
        "teacher_a": member(oakfield, "teacher@oakfield.sch.uk", "Tom", "Teacher"),
        "lead_a": member(oakfield, "cpdlead@oakfield.sch.uk", "Chloe", "Lead", "cpd_lead"),
        "finance_a": member(oakfield, "finance@oakfield.sch.uk", "Frank", "Finance", "finance"),
        "head_a": member(oakfield, "head@oakfield.sch.uk", "Hannah", "Head", "headteacher"),
        "teacher_b": member(riverside, "teacher@riverside-academy.org.uk", "Ravi", "Teacher"),
        "staff": accounts.staff(
            "admin@example.gov.uk", superuser=True, first_name="Alex", last_name="Admin"
        ),
    }


# The demo's council staff by role group (accounts/roles.py): email, first and last name.
OFFICERS = {
    roles.MARKETING: ("editor@example.gov.uk", "Maya", "Editor"),
    roles.MODERATORS: ("moderator@example.gov.uk", "Sam", "Moderator"),
    roles.BOOKINGS: ("bookings@example.gov.uk", "Bea", "Bookings"),
    roles.FINANCE: ("finance.officer@example.gov.uk", "Fin", "Officer"),
    roles.FACILITATORS: ("facilitator@example.gov.uk", "Sarah", "Whitfield"),
    roles.MANAGERS: ("manager@example.gov.uk", "Morgan", "Manager"),
}


def officer(group):
    """The council officer in `group` (a role group's name), with the demo's email and name;
    found when already made."""
    email, first, last = OFFICERS[group]
    found = User.objects.filter(email=email).first()
    return found or accounts.staff(email, group, first_name=first, last_name=last)


# The demo's other schools: URN -> name, LA code, type group, phase, email domain, street,
# locality, town, postcode. LA 901 (Haverleigh) is a partner area; 902 (Northwich) is not.
SCHOOLS = {
    990002: ("St Anne's Catholic Primary School", "901", "la_maintained", "primary",
             "stannes.sch.uk", "12 Church Lane", "Old Town", "Haverleigh", "HV1 4BX"),
    990004: ("Brookvale Special School", "901", "special", "all_through",
             "brookvale.sch.uk", "Brookvale Drive", "Marsh End", "Haverleigh", "HV6 8BD"),
    990005: ("Hilltop High School", "902", "la_maintained", "secondary",
             "hilltop.sch.uk", "Hilltop Avenue", "Upper Northwich", "Northwich", "HV9 2HT"),
    990006: ("Greenway Independent School", "902", "independent", "all_through",
             "greenway.org.uk", "Greenway House", "Greenway Lane", "Northwich", "HV8 5GW"),
}  # fmt: skip


def school(urn):
    """One of the demo's other schools (see SCHOOLS), with its name, LA, type, domain and
    address; found when already made. None needs bookings approved."""
    found = School.objects.filter(urn=urn).first()
    if found:
        return found
    name, la, group, phase, domain, street, locality, town, postcode = SCHOOLS[urn]
    authority = (
        accounts.local_authority("901", "Haverleigh", is_partner=True)
        if la == "901"
        else accounts.local_authority("902", "Northwich Borough", is_partner=False)
    )
    return accounts.school(
        name,
        urn=urn,
        domain=domain,
        la=authority,
        type_group=group,
        phase=phase,
        street=street,
        locality=locality,
        town=town,
        postcode=postcode,
    )


def schools():
    """Every school in SCHOOLS, made or found, in URN order."""
    return [school(urn) for urn in sorted(SCHOOLS)]
