"""The tests' usual cast, built by the factories with the demo's names, emails and roles (so a
test reads the same whether it runs on the demo or not): Oakfield Primary (URN 990001) with a
teacher, a CPD lead, a finance contact and a head; Riverside Academy (URN 990003) with a
teacher; and a superuser on the CPD team."""

from accounts.models import School

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
