"""Staff groups made by the data migration: each demo role reaches what it should, and no
more. (The full walk over every admin URL, per group, belongs to the back-office issue.)"""

import pytest

from accounts import permissions, roles
from accounts.models import User
from courses.models import CoursePage, CourseRun

STAFF = {
    "editor": "editor@example.gov.uk",
    "moderator": "moderator@example.gov.uk",
    "bookings": "bookings@example.gov.uk",
    "finance": "finance.officer@example.gov.uk",
    "facilitator": "facilitator@example.gov.uk",
    "manager": "manager@example.gov.uk",
}


def _get(client, who, url):
    client.force_login(User.objects.get(email=STAFF[who]))
    return client.get(url).status_code


@pytest.fixture
def urls(demo):
    course = CoursePage.objects.live().first()
    run = CourseRun.objects.first()
    return {
        "dashboard": "/admin/",
        "edit course": f"/admin/pages/{course.pk}/edit/",
        "runs": "/admin/runs/",
        "new run": "/admin/runs/new/",
        "run delegates": f"/admin/runs/{run.pk}/delegates/",
        "schools": "/admin/schools/",
        "venues": "/admin/snippets/courses/venue/",
    }


ALLOWED = {
    "editor": {"dashboard", "edit course", "venues"},
    "moderator": {"dashboard", "edit course", "venues"},
    "bookings": {"dashboard", "runs", "new run", "run delegates", "schools", "venues"},
    "finance": {"dashboard", "runs", "run delegates", "schools"},
    "facilitator": {"dashboard"},
    "manager": {"dashboard", "runs", "run delegates", "schools", "venues"},
}


@pytest.mark.parametrize("who", list(STAFF))
def test_each_staff_role_reaches_exactly_its_admin_pages(client, urls, who):
    got = {name for name, url in urls.items() if _get(client, who, url) == 200}
    assert got == ALLOWED[who]


def test_only_bookings_officers_take_bookings_on_behalf_of_schools(demo):
    able = {
        who
        for who, email in STAFF.items()
        if permissions.can_manage_bookings(User.objects.get(email=email))
    }
    assert able == {"bookings"}


def test_every_role_has_a_demo_login(demo):
    from demo.people import demo_logins

    described = " ".join(what for _, _, what in demo_logins())
    for group in (
        "Marketing editors",
        "Moderators",
        "Bookings officers",
        "Finance officers",
        "Facilitators",
        "Service managers",
    ):
        assert group in described
    for role in ("Teacher", "CPD lead", "Finance contact", "Headteacher"):
        assert role in described


# --- the groups are exactly accounts.roles ----------------------------------------------------


def _names(permissions):
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


@pytest.mark.parametrize("group_name", list(roles.MODEL_PERMISSIONS))
def test_each_group_holds_exactly_the_permissions_in_roles(demo, group_name):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    group = Group.objects.get(name=group_name)
    assert _names(group.permissions.all()) == set(roles.MODEL_PERMISSIONS[group_name])
    pages = GroupPagePermission.objects.filter(group=group)
    assert {(p.page.depth, p.permission.codename) for p in pages} == {
        (1, c) for c in roles.PAGE_PERMISSIONS.get(group_name, [])
    }
    collections = GroupCollectionPermission.objects.filter(group=group)
    assert _names(p.permission for p in collections) == set(
        roles.COLLECTION_PERMISSIONS.get(group_name, [])
    )


def test_there_is_one_editors_group_and_it_is_ours(demo):
    from django.contrib.auth.models import Group

    assert not Group.objects.filter(name="Editors").exists()
    assert Group.objects.filter(name__icontains="editor").count() == 1


def test_syncing_the_groups_again_changes_nothing(demo):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.staff_groups import sync_staff_groups

    before = {g.name: _names(g.permissions.all()) for g in Group.objects.all()}
    sync_staff_groups(apps)
    assert {g.name: _names(g.permissions.all()) for g in Group.objects.all()} == before


def test_moderators_approve_every_workflow_and_courses_need_their_approval(demo):
    from wagtail.models import Workflow

    from courses.models import CoursePage

    for workflow in Workflow.objects.filter(active=True):
        tasks = [t.specific for t in workflow.tasks]
        assert tasks, f"{workflow.name} has no task"
        for task in tasks:
            assert roles.MODERATORS in {g.name for g in task.groups.all()}
    course = CoursePage.objects.live().first()
    assert course.get_workflow().name == "Course approval"


def test_a_marketing_editor_submits_a_course_and_a_moderator_approves_it(demo):
    from wagtail.models import TaskState

    from courses.models import CoursePage

    editor = User.objects.get(email=STAFF["editor"])
    moderator = User.objects.get(email=STAFF["moderator"])
    course = CoursePage.objects.live().first()
    assert not course.permissions_for_user(editor).can_publish()

    course.title = course.title + " (revised)"
    revision = course.save_revision(user=editor)
    workflow_state = course.get_workflow().start(course, editor)
    task_state = workflow_state.current_task_state
    assert task_state.task.specific.user_can_access_editor(course, moderator)
    assert not task_state.task.specific.get_actions(course, editor)
    actions = task_state.task.specific.get_actions(course, moderator)
    assert {name for name, _label, _needs_data in actions} == {"approve", "reject"}

    task_state.task.specific.on_action(task_state, moderator, "approve")
    course.refresh_from_db()
    assert course.title.endswith("(revised)")
    assert course.live_revision_id == revision.pk
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_APPROVED
