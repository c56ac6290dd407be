"""Each staff role, signed in as a new member of its group would be, walks every admin URL
the product exposes: what it may use answers 200, everything else is refused the way
Wagtail refuses (403, or back to the dashboard with "Sorry, you do not have permission").

WALK is the table. To add a URL, add a Stop naming the roles that may open it; the
reports app adds its pages to REPORTS. test_the_walk_covers_every_menu_item fails when a
menu item appears that the walk does not visit."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse

from accounts import roles
from accounts.models import User

ED, MOD, BK, FIN, FAC, MGR = (
    roles.MARKETING,
    roles.MODERATORS,
    roles.BOOKINGS,
    roles.FINANCE,
    roles.FACILITATORS,
    roles.MANAGERS,
)
STAFF = (ED, MOD, BK, FIN, FAC, MGR)
NOBODY = frozenset()
PAGES = {ED, MOD}
RUNS_READ = {BK, FIN, MGR}  # the schedule and its bookings: finance and managers read them
PEOPLE_READ = {BK, MGR}
MONEY_READ = {FIN, MGR}

DEMO_LOGIN = {
    ED: "editor@example.gov.uk",
    MOD: "moderator@example.gov.uk",
    BK: "bookings@example.gov.uk",
    FIN: "finance.officer@example.gov.uk",
    FAC: "facilitator@example.gov.uk",
    MGR: "manager@example.gov.uk",
}

DENIED_MESSAGE = "Sorry, you do not have permission to access this area."


@dataclass(frozen=True)
class Stop:
    name: str
    url: str  # formatted with the `things` fixture's ids
    allowed: frozenset
    refused: str = "admin"  # "admin": Wagtail's refusal; "404": the public site's
    # An action taken only by POST: those not allowed are refused a POST (the allowed do it
    # in the feature's own tests, with real input).
    post: bool = False
    # What the allowed get: the page, or "not found" for a URL that needs more than it names.
    answer: str = "allowed"


def stop(name, url, allowed=NOBODY, refused="admin", post=False, answer="allowed"):
    return Stop(name, url, frozenset(allowed), refused, post, answer)


def does(name, url, allowed):
    """A page that moves money (its form) and its POST: only `allowed` may open or post it."""
    return [stop(name, url, allowed), stop(f"{name} (do)", url, allowed, post=True)]


def exports(name, url, allowed):
    """A listing and both of its exports."""
    return [
        stop(name, url, allowed),
        stop(f"{name} CSV", url + "?export=csv", allowed),
        stop(f"{name} XLSX", url + "?export=xlsx", allowed),
    ]


WALK = [
    stop("dashboard", "/admin/", STAFF),
    stop("own account", "/admin/account/", STAFF),
    # --- pages, and the endpoints named in recent Wagtail security advisories ---
    stop("page explorer", "/admin/pages/", PAGES),
    stop("page explorer (home)", "/admin/pages/{home}/", PAGES),
    stop("page search", "/admin/pages/search/", PAGES),
    stop("page edit", "/admin/pages/{course}/edit/", PAGES),
    stop("page preview", "/admin/pages/{course}/edit/preview/", PAGES),
    stop("page view draft", "/admin/pages/{course}/view_draft/", PAGES),
    stop("page history", "/admin/pages/{course}/history/", PAGES),
    stop("page workflow history", "/admin/pages/{course}/workflow_history/", PAGES),
    stop("page revision", "/admin/pages/{course}/revisions/{revision}/view/", PAGES),
    stop("revision compare", "/admin/pages/{course}/revisions/compare/earliest...latest/", PAGES),
    stop("page copy", "/admin/pages/{course}/copy/", PAGES),
    stop("add a course page", "/admin/pages/add/courses/coursepage/{strand}/", PAGES),
    stop("page unpublish", "/admin/pages/{course}/unpublish/", {MOD}),
    # Wagtail lets publishers delete, move and restrict pages; editors only draft them.
    stop("page delete", "/admin/pages/{course}/delete/", {MOD}),
    stop("page move", "/admin/pages/{course}/move/", {MOD}),
    stop("page privacy", "/admin/pages/{course}/privacy/", {MOD}),
    stop("form pages", "/admin/forms/", PAGES),
    stop("form submissions", "/admin/forms/submissions/{form}/", PAGES),
    stop("site settings", "/admin/settings/home/sitesettings/{site}/", {ED}),
    stop("billing settings", "/admin/settings/billing/billingsettings/{billing_settings}/", {FIN}),
    # --- Wagtail's own areas ---
    stop("users", "/admin/users/"),
    stop("user edit", "/admin/users/edit/{teacher}/"),
    stop("groups", "/admin/groups/"),
    stop("group edit", "/admin/groups/edit/{group}/"),
    stop("sites", "/admin/sites/"),
    stop("collections", "/admin/collections/"),
    stop("workflows", "/admin/workflows/list/"),
    stop("workflow tasks", "/admin/workflows/tasks/index/"),
    stop("report: locked pages", "/admin/reports/locked/", PAGES),
    stop("report: workflows", "/admin/reports/workflow/", PAGES),
    stop("report: workflow tasks", "/admin/reports/workflow_tasks/", PAGES),
    # Everyone's history, filtered by Wagtail to the objects each person may see.
    stop("report: site history", "/admin/reports/site-history/", STAFF),
    stop("report: aging pages", "/admin/reports/aging-pages/", PAGES),
    stop("report: page types", "/admin/reports/page-types-usage/", PAGES),
    stop("images", "/admin/images/", {ED}),
    stop("image edit", "/admin/images/{image}/", {ED}),
    stop("documents", "/admin/documents/", {ED}),
    stop("document edit", "/admin/documents/edit/{document}/", {ED}),
    stop("redirects", "/admin/redirects/", {ED}),
    stop("redirect edit", "/admin/redirects/{redirect}/", {ED}),
    stop("search promotions", "/admin/searchpicks/", {ED}),
    stop("search promotion edit", "/admin/searchpicks/{query}/", {ED}),
    stop("report: search terms", "/admin/searchpicks/reports/search-terms/"),  # superusers
    # Every snippet is in the Catalogue menu, so Wagtail's snippet index lists none: 403.
    stop("snippets", "/admin/snippets/"),
    stop("venues", "/admin/snippets/courses/venue/", {ED, MOD, BK, MGR}),
    stop("venue add", "/admin/snippets/courses/venue/add/", {ED}),
    stop("venue edit", "/admin/snippets/courses/venue/edit/{venue}/", {ED}),
    stop("facilitators", "/admin/snippets/courses/facilitator/", {ED, MOD, BK, MGR}),
    stop("audiences", "/admin/snippets/courses/audience/", {ED, MOD, BK, MGR}),
    stop("phases", "/admin/snippets/courses/phase/", {ED, MOD, BK, MGR}),
    # --- scheduling: runs and their pages ---
    *exports("runs", "/admin/runs/", RUNS_READ),
    stop("run add", "/admin/runs/new/", {BK}),
    stop("run edit", "/admin/runs/edit/{run}/", {BK}),
    stop("run inspect", "/admin/runs/inspect/{run}/", RUNS_READ),
    stop("run history", "/admin/runs/history/{run}/", {BK}),
    stop("run copy", "/admin/runs/copy/{run}/", {BK}),
    stop("run delete", "/admin/runs/delete/{run}/", {BK}),
    stop("run sessions", "/admin/runs/{run}/sessions/", RUNS_READ),
    stop("run session cancel", "/admin/runs/{run}/sessions/{session}/cancel/", {BK}),
    stop("run delegates", "/admin/runs/{run}/delegates/", RUNS_READ),
    stop("run delegates CSV", "/admin/runs/{run}/delegates/csv/", RUNS_READ),
    stop("run waiting list", "/admin/runs/{run}/waiting-list/", RUNS_READ),
    stop("run phone booking", "/admin/runs/{run}/phone-booking/", {BK}),
    stop("run cancel", "/admin/runs/{run}/cancel/", {BK}),
    # Bulk actions on the run listing: the confirmation page (the action is a POST after it).
    stop("bulk: close booking", "/admin/bulk/courses/courserun/close_booking/?id={run}", {BK}),
    stop(
        "bulk: joining reminders",
        "/admin/bulk/courses/courserun/send_joining_reminders/?id={run}",
        {BK},
    ),
    stop(
        "bulk: close booking (do)",
        "/admin/bulk/courses/courserun/close_booking/?id={run}",
        {BK},
        post=True,
    ),
    stop("offer free places", "/admin/runs/{waiting_run}/waiting-list/offer/", {BK}, post=True),
    stop(
        "promote from waiting list",
        "/admin/runs/{waiting_run}/waiting-list/{waiting}/promote/",
        {BK},
        post=True,
    ),
    # Registers are on the public site (a phone at the door); it answers 404 to others.
    stop("registers", "/registers/", {BK, FAC}, refused="404"),
    stop("register (facilitator's run)", "/registers/{led_run}/", {BK, FAC}, refused="404"),
    stop("register (someone else's run)", "/registers/{run}/", {BK}, refused="404"),
    # --- bookings ---
    *exports("bookings", "/admin/bookings/", RUNS_READ),
    stop("booking inspect", "/admin/bookings/inspect/{booking}/", RUNS_READ),
    *exports("enrolments", "/admin/enrolments/", RUNS_READ),
    stop("enrolment inspect", "/admin/enrolments/inspect/{enrolment}/", RUNS_READ),
    stop("enrolment edit", "/admin/enrolments/edit/{enrolment}/", {BK}),
    stop("enrolment cancel", "/admin/enrolments/cancel/{enrolment}/", {BK}, post=True),
    *exports("waiting list", "/admin/waiting-list/", RUNS_READ),
    stop("waiting list inspect", "/admin/waiting-list/inspect/{waiting}/", RUNS_READ),
    *exports("reserved places", "/admin/reservations/", RUNS_READ),
    stop("reserved places inspect", "/admin/reservations/inspect/{reservation}/", RUNS_READ),
    # --- schools and people ---
    *exports("schools", "/admin/schools/", RUNS_READ),
    stop("school inspect", "/admin/schools/inspect/{school}/", RUNS_READ),
    stop("school add", "/admin/schools/new/", {BK}),
    stop("school edit", "/admin/schools/edit/{school}/", {BK}),
    stop("people at schools", "/admin/memberships/", PEOPLE_READ),
    stop("membership edit", "/admin/memberships/edit/{membership}/", {BK}),
    stop("local authorities", "/admin/local-authorities/", RUNS_READ),
    stop("local authority edit", "/admin/local-authorities/edit/{la}/"),
    stop("trusts", "/admin/trusts/", RUNS_READ),
    stop("people at trusts", "/admin/trust-memberships/", PEOPLE_READ),
    stop("consortia", "/admin/consortia/", RUNS_READ),
    stop("consortium leads", "/admin/consortium-leads/", PEOPLE_READ),
    stop("consortium lead add", "/admin/consortium-leads/new/", {BK}),
    # --- billing ---
    # Money moves only through finance officers' pages; service managers read everything.
    *exports("invoices", "/admin/billing/invoices/", MONEY_READ),
    stop("invoices (results)", "/admin/billing/invoices/results/", MONEY_READ),
    stop("invoice inspect", "/admin/billing/invoices/inspect/{invoice}/", MONEY_READ),
    stop("invoice PDF", "/admin/billing/invoices/pdf/{invoice}/", MONEY_READ),
    *exports("credit notes", "/admin/billing/credit-notes/", MONEY_READ),
    stop("credit notes (results)", "/admin/billing/credit-notes/results/", MONEY_READ),
    stop("credit note inspect", "/admin/billing/credit-notes/inspect/{credit_note}/", MONEY_READ),
    stop("credit note PDF", "/admin/billing/credit-notes/pdf/{credit_note}/", MONEY_READ),
    *exports("payments", "/admin/billing/payments/", MONEY_READ),
    stop("payments (results)", "/admin/billing/payments/results/", MONEY_READ),
    stop("payment inspect", "/admin/billing/payments/inspect/{payment}/", MONEY_READ),
    *does("record a payment", "/admin/billing/record-payment/", {FIN}),
    *does("allocate a remittance", "/admin/billing/allocate-remittance/?account={account}", {FIN}),
    stop(
        "allocate a remittance (from an invoice)",
        "/admin/billing/allocate-remittance/?invoice={invoice}",
        {FIN},
    ),
    # Without an account or invoice there is nothing to allocate against: finance gets a 404.
    stop(
        "allocate a remittance (no account)",
        "/admin/billing/allocate-remittance/",
        {FIN},
        answer="not found",
    ),
    # Corrections by hand (issue 16): a manual invoice, a credit note or a void on an invoice,
    # a credit adjustment on an account.
    *does("manual invoice", "/admin/billing/manual-invoice/", {FIN}),
    stop(
        "manual invoice (for an account)", "/admin/billing/manual-invoice/?account={account}", {FIN}
    ),
    *does("manual credit note", "/admin/billing/correct-invoice/{invoice}/credit/", {FIN}),
    *does("void an invoice", "/admin/billing/correct-invoice/{invoice}/void/", {FIN}),
    *does("adjust credit", "/admin/billing/adjust-credit/{account}/", {FIN}),
    *does("extend credit", "/admin/billing/adjust-credit/lots/{credit_lot}/extend/", {FIN}),
    *exports("accounts", "/admin/billing/accounts/", MONEY_READ),
    stop("accounts (results)", "/admin/billing/accounts/results/", MONEY_READ),
    stop("account inspect", "/admin/billing/accounts/inspect/{account}/", MONEY_READ),
    stop("account add", "/admin/billing/accounts/new/", {FIN}),
    stop("account edit", "/admin/billing/accounts/edit/{account}/", {FIN}),
    stop("account history", "/admin/billing/accounts/history/{account}/", {FIN}),
    stop("account history (results)", "/admin/billing/accounts/history-results/{account}/", {FIN}),
    stop("account usage", "/admin/billing/accounts/usage/{account}/", {FIN}),
    *exports("packages sold", "/admin/billing/packages-sold/", MONEY_READ),
    stop("packages sold (results)", "/admin/billing/packages-sold/results/", MONEY_READ),
    stop(
        "package sold inspect", "/admin/billing/packages-sold/inspect/{package_sold}/", MONEY_READ
    ),
    *does("sell a package", "/admin/billing/sell-package/", {FIN}),
    *does("run invoicing", "/admin/billing/run-invoicing/", {FIN}),
    stop("invoicing run progress", "/admin/billing/run-invoicing/{job}/", {FIN}),
    stop("invoicing run status", "/admin/billing/run-invoicing/{job}/status/", {FIN}),
    stop("ledger export", "/admin/billing/ledger-export/", MONEY_READ),
    stop("aged debt", "/admin/billing/aged-debt/", MONEY_READ),
    stop("card refunds", "/admin/billing/card-refunds/", {FIN}),
    stop("card refund", "/admin/billing/card-refunds/{credit_note}/", {FIN}),
    stop("price bands", "/admin/billing/price-bands/", MONEY_READ),
    stop("price bands (results)", "/admin/billing/price-bands/results/", MONEY_READ),
    stop("price band edit", "/admin/billing/price-bands/edit/{band}/", {FIN}),
    stop("price band history", "/admin/billing/price-bands/history/{band}/", {FIN}),
    stop(
        "price band history (results)", "/admin/billing/price-bands/history-results/{band}/", {FIN}
    ),
    stop("price band usage", "/admin/billing/price-bands/usage/{band}/", {FIN}),
    stop("packages", "/admin/billing/packages/", MONEY_READ),
    stop("packages (results)", "/admin/billing/packages/results/", MONEY_READ),
    stop("package add", "/admin/billing/packages/new/", {FIN}),
    stop("package inspect", "/admin/billing/packages/inspect/{package}/", MONEY_READ),
    stop("package edit", "/admin/billing/packages/edit/{package}/", {FIN}),
    stop("package history", "/admin/billing/packages/history/{package}/", {FIN}),
    stop("package history (results)", "/admin/billing/packages/history-results/{package}/", {FIN}),
    stop("package usage", "/admin/billing/packages/usage/{package}/", {FIN}),
    stop("course prices", "/admin/billing/course-prices/", MONEY_READ),
    stop("course prices (results)", "/admin/billing/course-prices/results/", MONEY_READ),
    stop("course price add", "/admin/billing/course-prices/new/", {FIN}),
    stop("course price edit", "/admin/billing/course-prices/edit/{course_price}/", {FIN}),
    stop("course price delete", "/admin/billing/course-prices/delete/{course_price}/", {FIN}),
    stop("course price history", "/admin/billing/course-prices/history/{course_price}/", {FIN}),
    stop(
        "course price history (results)",
        "/admin/billing/course-prices/history-results/{course_price}/",
        {FIN},
    ),
    stop("course price usage", "/admin/billing/course-prices/usage/{course_price}/", {FIN}),
    stop("run prices", "/admin/billing/run-prices/", MONEY_READ),
    stop("run prices (results)", "/admin/billing/run-prices/results/", MONEY_READ),
    stop("run price add", "/admin/billing/run-prices/new/", {FIN}),
    stop("run price edit", "/admin/billing/run-prices/edit/{run_price}/", {FIN}),
    stop("run price delete", "/admin/billing/run-prices/delete/{run_price}/", {FIN}),
    stop("run price history", "/admin/billing/run-prices/history/{run_price}/", {FIN}),
    stop(
        "run price history (results)",
        "/admin/billing/run-prices/history-results/{run_price}/",
        {FIN},
    ),
    stop("run price usage", "/admin/billing/run-prices/usage/{run_price}/", {FIN}),
]

# The Reports section: managers see every report, finance officers the income report alone.
REPORTS = [
    stop("reports index", "/admin/reports/", {FIN, MGR}),
    *[
        stop(f"report {slug}{suffix}", f"/admin/reports/{slug}/{query}", allowed)
        for slug, allowed in (
            ("income", {FIN, MGR}),
            ("buy-in", {MGR}),
            ("fill-rates", {MGR}),
            ("demand", {MGR}),
            ("evaluation", {MGR}),
        )
        for suffix, query in (("", ""), (" CSV", "?format=csv"), (" XLSX", "?format=xlsx"))
    ],
]

ALL_STOPS = WALK + REPORTS


# --- the objects the URLs point at ------------------------------------------------------------


@pytest.fixture
def things(demo, settings, tmp_path):
    """Ids for the walk: the demo's objects, plus one of each kind the demo does not make."""
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Site

    from accounts.models import LocalAuthority, Membership, School, Trust, TrustMembership
    from billing import jobs
    from billing import services as billing
    from billing.models import (
        Account,
        AccountPackage,
        BillingSettings,
        CourseBandPrice,
        CreditEntry,
        Invoice,
        Package,
        Payment,
        PriceBand,
        RunBandPrice,
    )
    from bookings.attendance import facilitated_runs
    from bookings.models import Booking, Enrolment, Reservation, WaitingListEntry
    from courses.models import CoursePage, CourseRun, Facilitator, StrandPage, Venue
    from home.models import FormPage, HomePage

    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    admin = User.objects.get(email="admin@example.gov.uk")
    teacher = User.objects.get(email="teacher@oakfield.sch.uk")
    course = CoursePage.objects.live().first()
    revision = course.save_revision(user=admin)  # something to compare with the first
    facilitator = User.objects.get(email=DEMO_LOGIN[FAC])
    # The demo links Sarah's snippet to her login with its history (make run); do it here.
    Facilitator.objects.filter(name="Sarah Whitfield").update(user=facilitator)
    led = facilitated_runs(facilitator).order_by("pk").first()
    run = CourseRun.objects.exclude(pk__in=facilitated_runs(facilitator)).order_by("pk").first()
    assert led and run, "the demo facilitator leads some runs and not others"
    enrolment = Enrolment.objects.order_by("pk").first()
    school = School.objects.get(urn=990001)
    waiting = WaitingListEntry.objects.create(
        run=enrolment.run, person=teacher, school=school, added_by=teacher
    )
    reservation = Reservation.objects.create(
        booking=Booking.objects.create(run=enrolment.run, school=school, booked_by=teacher),
        run=enrolment.run,
        places=2,
        price=enrolment.price,
    )
    trust = Trust.objects.create(uid="TR99", name="Walk Trust")
    TrustMembership.objects.create(user=teacher, trust=trust, is_finance=True)
    invoice = (
        Invoice.objects.filter(status=Invoice.Status.ISSUED, lines__isnull=False)
        .order_by("pk")
        .first()
    )
    line = invoice.lines.first()
    credit_note = billing.issue_credit_note(invoice, [(line, line.net)], reason="Role walk")
    image = get_image_model().objects.create(title="Walk", file=_png(), width=1, height=1)
    document = get_document_model().objects.create(
        title="Walk", file=ContentFile(b"%PDF-1.4\n", name="walk.pdf")
    )
    query = Query.get("leadership")
    SearchPromotion.objects.create(query=query, page=course, sort_order=0)
    band = PriceBand.objects.order_by("pk").first()
    # Queued only: the task is sent on commit, which this test's transaction never reaches.
    job = jobs.start_invoicing_run("2026-01", by=admin)
    return {
        "home": HomePage.objects.first().pk,
        "course": course.pk,
        "strand": StrandPage.objects.first().pk,
        "revision": revision.pk,
        "form": FormPage.objects.first().pk,
        "site": Site.objects.get(is_default_site=True).pk,
        "billing_settings": BillingSettings.load().pk,
        "teacher": teacher.pk,
        "group": Group.objects.get(name=BK).pk,
        "image": image.pk,
        "document": document.pk,
        "redirect": Redirect.objects.create(old_path="/walk", redirect_link="/").pk,
        "query": query.pk,
        "venue": Venue.objects.first().pk,
        "run": run.pk,
        "led_run": led.pk,
        "session": run.sessions.first().pk,
        "booking": Booking.objects.order_by("pk").first().pk,
        "enrolment": enrolment.pk,
        "waiting": waiting.pk,
        "waiting_run": waiting.run_id,
        "reservation": reservation.pk,
        "school": school.pk,
        "membership": Membership.objects.order_by("pk").first().pk,
        "la": LocalAuthority.objects.first().pk,
        "invoice": invoice.pk,
        "credit_note": credit_note.pk,
        "payment": Payment.objects.order_by("pk").first().pk,
        "account": Account.objects.order_by("pk").first().pk,
        "credit_lot": CreditEntry.objects.filter(kind="package", use_by__isnull=False)
        .order_by("pk")
        .first()
        .pk,
        "band": band.pk,
        "package": Package.objects.order_by("pk").first().pk,
        "package_sold": AccountPackage.objects.order_by("pk").first().pk,
        "course_price": CourseBandPrice.objects.create(course=course, band=band, price=99).pk,
        "run_price": RunBandPrice.objects.create(run=run, band=band, price=99).pk,
        "job": job,
    }


def _png():
    import base64

    one_pixel = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    return ContentFile(base64.b64decode(one_pixel), name="walk.png")


@pytest.fixture
def staff_groups(demo):
    """The groups as the data migration left them. A transactional test elsewhere in the run
    flushes the database (seed_demo then remakes the groups empty): put them back."""
    if not Group.objects.get(name=ED).permissions.exists():
        from django.apps import apps

        from accounts.staff_groups import sync_staff_groups

        sync_staff_groups(apps)


def new_member(group_name, make_user):
    """A fresh login in the group, as a new officer would be on their first day."""
    user = make_user(f"new.{group_name.split()[0].lower()}@example.gov.uk", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    if group_name == FAC:
        # Bookings officers link a facilitator's snippet to their login when they start.
        from courses.models import Facilitator

        Facilitator.objects.filter(name="Sarah Whitfield").update(user=user)
    return user


# --- how a refusal looks ----------------------------------------------------------------------


def outcome(client, url, post=False):
    response = client.post(url) if post else client.get(url)
    if response.status_code == 200 and "export=" in url:
        # An export is a file, not the listing again.
        disposition = response.get("Content-Disposition", "")
        return "allowed" if disposition.startswith("attachment") else "200 but no file"
    if response.status_code == 200:
        return "allowed"
    if response.status_code == 403:
        return "refused"
    if response.status_code == 302 and response.url == "/admin/":
        messages = [str(m).strip() for m in get_messages(response.wsgi_request)]
        return "refused" if DENIED_MESSAGE in messages else f"302 to /admin/ with {messages}"
    if response.status_code == 404:
        return "not found"
    return f"{response.status_code} {response.get('Location', '')}"


def expected(stop, group):
    if group in stop.allowed:
        return stop.answer
    return "refused" if stop.refused == "admin" else "not found"


@pytest.mark.parametrize("group", STAFF)
def test_each_role_opens_exactly_its_admin_urls(client, things, staff_groups, make_user, group):
    client.force_login(new_member(group, make_user))
    wrong = []
    for s in ALL_STOPS:
        if s.post and group in s.allowed:
            continue
        got = outcome(client, s.url.format(**things), post=s.post)
        if got != expected(s, group):
            wrong.append(f"{s.name}: expected {expected(s, group)}, got {got}")
    assert wrong == [], "\n".join(wrong)


def test_the_demo_logins_are_in_their_groups(demo):
    for group, email in DEMO_LOGIN.items():
        assert list(User.objects.get(email=email).groups.values_list("name", flat=True)) == [group]


def test_anonymous_visitors_are_sent_to_sign_in(client, things):
    for s in ALL_STOPS:
        if s.refused != "admin":
            continue
        url = s.url.format(**things)
        response = client.get(url)
        assert response.status_code == 302, s.name
        assert response.url.startswith(reverse("account_login") + "?next="), s.name


def test_a_teacher_has_no_admin(client, things, people):
    client.force_login(people["teacher_a"])
    for s in ALL_STOPS:
        url = s.url.format(**things)
        response = client.get(url)
        if s.refused == "404":
            assert response.status_code == 404, s.name
            continue
        # Told so, once: Wagtail's sign-in redirect sent a signed-in teacher round in a loop.
        assert response.status_code == 403, s.name
        assert "You do not have access to the admin" in response.content.decode(), s.name


# --- the menu ---------------------------------------------------------------------------------


# Menu links that redirect to the page the walk visits.
MENU_ALIASES = {
    "/admin/settings/home/sitesettings/": "/admin/settings/home/sitesettings/{site}/",
    "/admin/settings/billing/billingsettings/": (
        "/admin/settings/billing/billingsettings/{billing_settings}/"
    ),
}


def menu_for(user, things):
    """Every menu entry the user is shown that leads to an admin page, as {label: url}.
    ("Help" links leave the site, and "Shortcuts" opens a dialog.)"""
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    shown = {}

    def walk(menu, prefix=""):
        for item in menu.menu_items_for_request(request):
            if hasattr(item, "menu"):
                walk(item.menu, f"{prefix}{item.label} › ")
            else:
                url = MENU_ALIASES.get(item.url, item.url).format(**things)
                if url.startswith("/"):
                    shown[prefix + str(item.label)] = url

    walk(admin_menu)
    return shown


CATALOGUE = {f"Catalogue › {c}" for c in ("Venues", "Facilitators", "Audiences", "Phases")}
PAGE_REPORTS = {
    f"Reports › {r}"
    for r in (
        "Locked pages",
        "Workflows",
        "Workflow tasks",
        "Site history",
        "Aging pages",
        "Page types usage",
    )
}
BOOKINGS_MENU = {
    f"Bookings › {b}" for b in ("Bookings", "Enrolments", "Waiting lists", "Reserved places")
}
SCHOOLS_READ = {f"Schools › {s}" for s in ("Schools", "Local authorities", "Trusts", "Consortia")}
PEOPLE_MENU = {
    "Schools › People at schools",
    "Schools › People at trusts",
    "Schools › Consortium leads",
}
BILLING_READ = {
    f"Billing › {b}"
    for b in (
        "Invoices",
        "Credit notes",
        "Payments",
        "Accounts",
        "Packages sold",
        "Ledger export",
        "Aged debt",
    )
}
PRICES_MENU = {
    f"Prices › {p}"
    for p in ("Price bands", "Packages", "Course prices per band", "Run prices per band")
}
# What each role finds in the admin menu: what it may use, and nothing else.
MENUS = {
    ED: {
        "Pages",
        "Images",
        "Documents",
        "Forms",
        *CATALOGUE,
        *PAGE_REPORTS,
        "Settings › Site settings",
        "Settings › Redirects",
        "Settings › Promoted search results",
    },
    MOD: {"Pages", "Forms", *CATALOGUE, *PAGE_REPORTS},
    BK: {
        "Scheduling › Course runs",
        *BOOKINGS_MENU,
        "Registers",
        *SCHOOLS_READ,
        *PEOPLE_MENU,
        *CATALOGUE,
    },
    FIN: {
        "Scheduling › Course runs",
        *BOOKINGS_MENU,
        *SCHOOLS_READ,
        *BILLING_READ,
        "Billing › Record a payment",
        "Billing › Sell a package",
        "Billing › Run invoicing",
        "Card refunds",
        *PRICES_MENU,
        "Settings › Billing settings",
        "Reports › Income",
    },
    FAC: {"Registers"},
    MGR: {
        "Scheduling › Course runs",
        *BOOKINGS_MENU,
        *SCHOOLS_READ,
        *PEOPLE_MENU,
        *BILLING_READ,
        *PRICES_MENU,
        *CATALOGUE,
        *{
            f"Reports › {r}"
            for r in ("Income", "Buy-in", "Fill rates", "Demand", "Evaluation and impact")
        },
    },
}


def billing_admin_routes():
    """Every URL pattern under /admin/billing/, as Django's resolver lists them."""
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route)
            elif route.startswith("admin/billing/"):
                yield route

    return set(walk(get_resolver().url_patterns))


def test_the_walk_visits_every_billing_admin_url(things):
    """A billing admin URL (a correction, a report, a viewset's extra view) added without a
    stop in WALK fails here, so nobody adds a money page without saying who may open it."""
    from django.urls import resolve

    walked = {resolve(s.url.format(**things).split("?")[0]).route for s in ALL_STOPS}
    assert billing_admin_routes() - walked == set()


def test_the_walk_covers_every_menu_item(things, staff_groups):
    """A menu item (the superuser sees them all) that the walk does not visit fails here."""
    walked = {s.url.format(**things) for s in ALL_STOPS}
    menu = menu_for(User.objects.get(email="admin@example.gov.uk"), things)
    assert {label for label, url in menu.items() if url not in walked} == set()


@pytest.mark.parametrize("group", STAFF)
def test_each_role_sees_the_menu_items_it_may_use_and_no_others(
    things, staff_groups, make_user, group
):
    menu = menu_for(new_member(group, make_user), things)
    assert set(menu) == MENUS[group]
    # And each item shown is a page the walk found this role may open.
    allowed = {s.url.format(**things) for s in ALL_STOPS if group in s.allowed}
    assert {label for label, url in menu.items() if url not in allowed} == set()
