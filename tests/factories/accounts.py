"""Schools, people and their roles: a local authority, a school with an address and email
domain, a person with a verified address and a usable password (as sign-up leaves them), a
membership with roles, and staff in the Wagtail groups of accounts/roles.py."""

import itertools

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import LocalAuthority, Membership, School, Trust, User
from accounts.staff_groups import sync_staff_groups

# The demo's password too, so tests/people.py's helpers sign either kind of person in.
PASSWORD = "cpd-demo-2026"  # noqa: S105  (test data)

_n = itertools.count(1)


def local_authority(code="901", name="Haverleigh", is_partner=True):
    """Found by its code, made when missing."""
    la, _ = LocalAuthority.objects.get_or_create(
        code=code, defaults={"name": name, "is_partner": is_partner}
    )
    return la


def school(
    name=None,
    *,
    urn=None,
    domain=None,
    la=None,
    type_group=School.TypeGroup.LA_MAINTAINED,
    phase=School.Phase.PRIMARY,
    bookings_need_approval=False,
    **fields,
):
    """An open school in a partner LA (Haverleigh, 901) unless told otherwise."""
    n = next(_n)
    name = name or f"Test School {n}"
    fields.setdefault("street", f"{n} School Lane")
    fields.setdefault("town", "Haverleigh")
    fields.setdefault("postcode", "HV1 1AA")
    fields.setdefault("type_name", dict(School.TypeGroup.choices)[type_group])
    return School.objects.create(
        urn=urn or 970000 + n,
        name=name,
        local_authority=la or local_authority(),
        type_group=type_group,
        phase=phase,
        status=fields.pop("status", School.Status.OPEN),
        email_domains=domain or f"school{n}.sch.example",
        bookings_need_approval=bookings_need_approval,
        **fields,
    )


def trust(name=None, *schools, billed_centrally=False):
    """A trust from DfE's register (GIAS) with these schools in it."""
    n = next(_n)
    made = Trust.objects.create(
        uid=f"TR{n:05d}", name=name or f"Test Trust {n}", billed_centrally=billed_centrally
    )
    for member in schools:
        member.trust = made
        member.save(update_fields=["trust"])
    return made


def user(email=None, *, password=PASSWORD, verified=True, **fields):
    """A person with a primary email address (verified unless told) and a usable password."""
    email = email or f"person{next(_n)}@people.example"
    person = User.objects.create_user(email, password, **fields)
    EmailAddress.objects.create(user=person, email=email, verified=verified, primary=True)
    return person


def membership(person, school, *roles):
    """`person` on `school`'s staff list with these roles added ("cpd_lead", "finance",
    "headteacher"; Membership.Role values). Every member is a teacher too, as the model's
    default has it and as joining a school leaves them."""
    member, _ = Membership.objects.get_or_create(user=person, school=school)
    for role in roles:
        setattr(member, f"is_{role}", True)
    member.save()
    return member


def member(school, *roles, email=None, **fields):
    """A new person on `school`'s staff list, on the school's email domain, with these roles."""
    email = email or f"member{next(_n)}@{school.domains[0]}"
    person = user(email, **fields)
    membership(person, school, *roles)
    return person


def staff_of(school, n, prefix="staff"):
    """`n` new teachers on a school's staff list, on its domain."""
    return [member(school, email=f"{prefix}{i}@{school.domains[0]}") for i in range(n)]


def staff_groups():
    """Every role's group with exactly its grants. Migrations make them; this puts them back on
    a database a transactional test has flushed."""
    sync_staff_groups(apps)


def staff(email=None, *groups, superuser=False, **fields):
    """Council staff with a Wagtail login, in the named groups (accounts/roles.py names)."""
    if groups:
        staff_groups()
    person = user(
        email or f"officer{next(_n)}@example.gov.uk",
        is_staff=True,
        is_superuser=superuser,
        **fields,
    )
    for name in groups:
        person.groups.add(Group.objects.get(name=name))
    return person
