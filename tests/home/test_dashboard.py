"""The Wagtail dashboard by role: runs starting this week for bookings officers and service
managers, overdue invoices for finance officers and managers, pages awaiting moderation (Wagtail's
own workflow panels) first for moderators and editors. Figures are checked against the services
that own them, and each panel's queries do not grow with its rows."""

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.db.models import F
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.views.home import (
    LockedPagesPanel,
    RecentEditsPanel,
    UserObjectsInWorkflowModerationPanel,
    WorkflowObjectsToModeratePanel,
)

from accounts.models import User
from billing import services
from billing.dashboard import OverdueInvoicesPanel
from billing.models import Invoice
from bookings.dashboard import RunsThisWeekPanel, this_week
from bookings.services import places_taken
from core.wording import clock
from courses.models import CoursePage, CourseRun, Session
from tests.billing.finance.helpers import issue

RUNS = "Runs starting this week"
OVERDUE = "Invoices overdue"


def login(client, who):
    client.force_login(User.objects.get(email=f"{who}@example.gov.uk"))
    return client


def dashboard(client, who):
    response = login(client, who).get("/admin/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def start_this_week(run, days=3):
    """Move the run's sessions so the first starts this week (Thursday, 09:30)."""
    target = this_week()[0] + dt.timedelta(days=days, hours=9, minutes=30)
    first = run.sessions.order_by("starts_at").first()
    delta = target - first.starts_at
    Session.objects.filter(run=run).update(
        starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta
    )
    return target


def booked_runs(n):
    runs = [r for r in CourseRun.objects.upcoming().select_related("course") if r.places_taken]
    return runs[:n]


def render_panel(panel, who):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email=f"{who}@example.gov.uk")
    return panel.render_html({"request": request, "csrf_token": ""})


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, runs, overdue",
    [
        ("bookings", True, False),
        ("finance.officer", False, True),
        ("manager", True, True),
        ("editor", False, False),
        ("moderator", False, False),
        ("facilitator", False, False),
    ],
)
def test_each_role_sees_its_own_panels(client, demo, who, runs, overdue):
    page = dashboard(client, who)
    assert (RUNS in page) is runs
    assert (OVERDUE in page) is overdue


# --- runs starting this week ------------------------------------------------------------------


def test_runs_this_week_shows_booked_of_capacity_and_the_register_link(client, demo):
    run, later = booked_runs(2)
    starts = start_this_week(run)
    start_this_week(later, days=7)  # next Monday: not this week
    page = dashboard(client, "bookings")
    panel = page[page.index(RUNS) :]
    rows = re.findall(r"<tr>.*?</tr>", panel)
    (row,) = [r for r in rows if f"({run.reference})" in r]
    assert f"{places_taken(run.pk)} of {run.capacity}" in row
    local = timezone.localtime(starts)
    assert f"{local:%a} {local.day} {local:%b}, {clock(local)}" in row
    assert f'href="/registers/{run.pk}/"' in row
    assert later.reference not in panel.split("All course runs")[0]


def test_managers_get_the_delegate_list_not_the_register(client, demo):
    (run,) = booked_runs(1)
    start_this_week(run)
    page = dashboard(client, "manager")
    assert f"/registers/{run.pk}/" not in page
    assert f'href="{reverse("bookings_admin:delegates", args=[run.pk])}"' in page


def test_a_cancelled_run_is_not_listed(client, demo):
    (run,) = booked_runs(1)
    start_this_week(run)
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.CANCELLED)
    page = dashboard(client, "bookings")
    assert f"({run.reference})" not in page


def test_runs_this_week_queries_do_not_grow_with_the_runs(demo):
    runs = booked_runs(4)
    start_this_week(runs[0])
    render_panel(RunsThisWeekPanel(), "bookings")  # warm caches
    with CaptureQueriesContext(connection) as one:
        html = render_panel(RunsThisWeekPanel(), "bookings")
    assert html.count('<th scope="row">') == 1
    for run in runs[1:]:
        start_this_week(run, days=2)
    with CaptureQueriesContext(connection) as four:
        html = render_panel(RunsThisWeekPanel(), "bookings")
    assert html.count('<th scope="row">') == 4
    assert len(four) == len(one)


# --- overdue invoices -------------------------------------------------------------------------


@pytest.fixture
def overdue(people):
    """Three invoices issued 60 days ago (so past due), one paid in full, one issued today."""
    account = services.school_account(people["school_a"])
    long_ago = timezone.localdate() - dt.timedelta(days=60)
    made = [
        issue(account, [(f"Place {n}", f"{100 * n}.00", "standard")], on=long_ago)
        for n in (1, 2, 3)
    ]
    services.record_payment(made[0], made[0].gross, method="bacs", reference="PAID-1")
    issue(account, [("Not yet due", "50.00", "standard")])
    return made


def expected_overdue():
    today = timezone.localdate()
    return [
        (invoice, services.outstanding(invoice))
        for invoice in Invoice.objects.filter(
            status__in=[Invoice.Status.ISSUED, Invoice.Status.PART_PAID], due_on__lt=today
        )
        if services.outstanding(invoice) > 0
    ]


def test_overdue_panel_counts_totals_and_links_each_invoice(client, demo, overdue):
    expected = expected_overdue()
    assert {i.pk for i, _ in expected} >= {overdue[1].pk, overdue[2].pk}
    assert overdue[0].pk not in {i.pk for i, _ in expected}
    page = dashboard(client, "finance.officer")
    total = sum(owed for _, owed in expected)
    n = len(expected)
    assert f"{n} invoice{'s' if n != 1 else ''} overdue, £{total:,.2f} outstanding." in page
    assert (
        f'href="/admin/billing/invoices/inspect/{overdue[2].pk}/">{overdue[2].number}</a>' in page
    )
    assert 'href="/admin/billing/invoices/?overdue=true"' in page
    assert overdue[0].number not in page.split(OVERDUE)[1].split("All overdue invoices")[0]


def test_overdue_panel_lists_the_ten_largest(demo, overdue, people):
    account = services.school_account(people["school_b"])
    long_ago = timezone.localdate() - dt.timedelta(days=45)
    for n in range(11):
        issue(account, [(f"Place {n}", f"{10 + n}.00", "zero")], on=long_ago)
    expected = sorted(expected_overdue(), key=lambda pair: (-pair[1], pair[0].due_on, pair[0].pk))
    html = render_panel(OverdueInvoicesPanel(), "finance.officer")
    shown = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', html)
    assert shown == [invoice.number for invoice, _ in expected[:10]]
    assert "The 10 largest:" in html


def test_overdue_panel_queries_do_not_grow_with_the_invoices(demo, overdue, people):
    render_panel(OverdueInvoicesPanel(), "finance.officer")  # warm caches
    with CaptureQueriesContext(connection) as before:
        render_panel(OverdueInvoicesPanel(), "finance.officer")
    account = services.school_account(people["school_b"])
    for n in range(5):
        issue(
            account,
            [(f"Place {n}", "20.00", "zero")],
            on=timezone.localdate() - dt.timedelta(days=40),
        )
    with CaptureQueriesContext(connection) as after:
        html = render_panel(OverdueInvoicesPanel(), "finance.officer")
    assert html.count('<th scope="row">') >= 7
    assert len(after) == len(before)


# --- pages awaiting moderation ----------------------------------------------------------------


def test_a_course_submitted_for_approval_awaits_the_moderator_and_shows_to_its_editor(client, demo):
    editor = User.objects.get(email="editor@example.gov.uk")
    course = CoursePage.objects.live().first()
    course.summary = "Updated for the spring term."
    course.save_revision(user=editor)
    course.get_workflow().start(course, editor)

    page = dashboard(client, "moderator")
    assert course.title in page[page.index("Awaiting your review") :]
    page = dashboard(client, "editor")
    assert course.title in page[page.index("Your pages and snippets in a workflow") :]
    page = dashboard(client, "bookings")
    assert "Awaiting your review" not in page


def wagtail_panels():
    return [
        WorkflowObjectsToModeratePanel(),
        UserObjectsInWorkflowModerationPanel(),
        RecentEditsPanel(),
        LockedPagesPanel(),
    ]


@pytest.mark.parametrize("who", ["moderator", "editor"])
def test_pages_awaiting_moderation_come_first_for_moderators_and_editors(demo, who):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email=f"{who}@example.gov.uk")
    panels = wagtail_panels()
    for add_panels in hooks.get_hooks("construct_homepage_panels"):  # as Wagtail's home does
        add_panels(request, panels)
    names = [p.name for p in sorted(panels, key=lambda p: p.order)]
    assert names[:2] == ["workflow_objects_to_moderate", "user_objects_in_workflow_moderation"]
    assert len(panels) == 4  # Wagtail's panels used, none duplicated


def test_other_staff_keep_wagtails_order_and_get_their_own_panels_first(demo):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email="manager@example.gov.uk")
    panels = wagtail_panels()
    for add_panels in hooks.get_hooks("construct_homepage_panels"):  # as Wagtail's home does
        add_panels(request, panels)
    names = [p.name for p in sorted(panels, key=lambda p: p.order)]
    assert names == [
        "runs_this_week",
        "overdue_invoices",
        "user_objects_in_workflow_moderation",
        "workflow_objects_to_moderate",
        "recent_edits",
        "locked_pages",
    ]
