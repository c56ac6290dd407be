"""Celery task names are stored: outbox rows (`OutboxMessage.task`) and the beat schedule
name a task by its dotted name, and a worker finds it by that name. Celery would otherwise
derive the name from the module a task lives in, so moving a task to another module would
strand every queued row. Each task therefore pins its name, and the names stay published."""

import ast
import importlib
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"tests", "node_modules", "migrations", "bench", "docs", "deploy", "site"}

# Every name a row, a schedule or a worker may hold. Renaming or dropping one strands rows
# already written; add a name here when you add a task.
PUBLISHED = {
    "accounts.tasks.notify_leads_of_join_request",
    "accounts.tasks.notify_requester_of_decision",
    "accounts.tasks.send_invitation",
    "accounts.tasks.send_group_welcome",
    "billing.tasks.settle_booking",
    "billing.tasks.settle_run",
    "billing.tasks.run_monthly_invoicing",
    "billing.tasks.expire_credit",
    "billing.tasks.send_invoice",
    "billing.tasks.send_credit_note",
    "billing.tasks.send_receipt",
    "billing.tasks.reconcile_checkouts",
    "billing.tasks.send_checkout_failed",
    "billing.tasks.send_refund_alert",
    "billing.tasks.send_overdue_reminders",
    "billing.tasks.send_reminder",
    "billing.tasks.run_invoicing_job",
    "bookings.tasks.send_booking_confirmation",
    "bookings.tasks.send_approval_request",
    "bookings.tasks.send_approval_pending",
    "bookings.tasks.send_approval_decision",
    "bookings.tasks.send_finance_approval_request",
    "bookings.tasks.send_approval_passed_to_finance",
    "bookings.tasks.send_cancellation",
    "bookings.tasks.send_run_cancelled",
    "bookings.tasks.send_waiting_list_joined",
    "bookings.tasks.send_waiting_list_offer",
    "bookings.tasks.send_offer_expired",
    "bookings.tasks.offer_places",
    "bookings.tasks.expire_offers",
    "bookings.tasks.expire_approvals",
    "bookings.tasks.send_reminders",
    "bookings.tasks.send_no_show_notices",
    "bookings.tasks.request_run_evaluations",
    "bookings.tasks.send_evaluation_request",
    "bookings.tasks.send_impact_follow_up",
    "bookings.tasks.request_due_evaluations",
    "bookings.tasks.send_evaluation_reminders",
    "bookings.tasks.send_impact_follow_ups",
    "bookings.tasks.send_session_cancelled",
    "bookings.tasks.send_sessions_moved",
    "bookings.tasks.send_place_passed_on",
    "bookings.tasks.send_place_moved",
    "bookings.tasks.clear_needs_after_courses",
    "courses.tasks.forget_old_unmatched_searches",
    "bookings.tasks.send_reservation_confirmed",
    "bookings.tasks.send_reservation_reminder",
    "bookings.tasks.send_reservation_released",
    "bookings.tasks.remind_and_release_reservations",
    "config.tasks.relay_outbox",
    "home.tasks.publish_scheduled_pages",
    "home.tasks.send_form_notification",
}


def _our_python_files():
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or SKIPPED & set(parts):
            continue
        yield path


def _is_task_decorator(node):
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in {"shared_task", "task"}


def _declared_tasks():
    """(module, function, the literal `name=` or None) for every task our code declares."""
    for path in _our_python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if not _is_task_decorator(decorator):
                    continue
                pinned = None
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            pinned = keyword.value.value
                yield module, node.name, pinned


def test_every_task_pins_its_name_with_a_literal():
    declared = list(_declared_tasks())
    assert len(declared) >= len(PUBLISHED)  # the scan found the tasks modules
    unpinned = [f"{module}.{function}" for module, function, pinned in declared if not pinned]
    assert unpinned == [], "give these tasks name=... (see this module's docstring)"


def test_each_task_is_registered_under_its_pinned_name():
    for module, function, pinned in _declared_tasks():
        task = getattr(importlib.import_module(module), function)
        assert task.name == pinned
        assert app.tasks[pinned].run is task.run  # the worker finds this function by that name


def test_the_published_names_are_all_still_registered():
    app.loader.import_default_modules()
    # Celery's own tasks, and those the test suite defines for itself, are not ours.
    ours = {name for name in app.tasks if not name.startswith(("celery.", "tests."))}
    assert PUBLISHED - ours == set(), "a stored task name no longer has a task"
    assert ours - PUBLISHED == set(), "a new task: add its name to PUBLISHED"
    assert ours == {pinned for _, _, pinned in _declared_tasks()}


def test_the_beat_schedule_names_published_tasks():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in PUBLISHED, entry["task"]
