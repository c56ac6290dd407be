"""Staff groups made by the data migration: each role reaches what it should, and no
more. (The full walk over every admin URL, per group, belongs to the back-office issue.)"""

import pytest

from accounts import permissions, roles
from tests.factories import accounts, courses

GROUPS = {
    "editor": roles.MARKETING,
    "moderator": roles.MODERATORS,
    "bookings": roles.BOOKINGS,
    "finance": roles.FINANCE,
    "facilitator": roles.FACILITATORS,
    "manager": roles.MANAGERS,
}


@pytest.fixture
def staff(db):
    """One member of staff in each role's group."""
    return {who: accounts.staff(f"{who}@example.gov.uk", group) for who, group in GROUPS.items()}


def _get(client, staff, who, url):
    client.force_login(staff[who])
    return client.get(url).status_code


@pytest.fixture
def course(db):
    return courses.course()


@pytest.fixture
def urls(course):
    run = courses.run(course)
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


@pytest.mark.parametrize("who", list(GROUPS))
def test_each_staff_role_reaches_exactly_its_admin_pages(client, staff, urls, who):
    got = {name for name, url in urls.items() if _get(client, staff, who, url) == 200}
    assert got == ALLOWED[who]


def test_only_bookings_officers_take_bookings_on_behalf_of_schools(staff):
    able = {who for who, person in staff.items() if permissions.can_manage_bookings(person)}
    assert able == {"bookings"}


def test_every_role_has_a_demo_login():
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
def test_each_group_holds_exactly_the_permissions_in_roles(db, group_name):
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


def test_there_is_one_editors_group_and_it_is_ours(db):
    from django.contrib.auth.models import Group

    assert not Group.objects.filter(name="Editors").exists()
    assert Group.objects.filter(name__icontains="editor").count() == 1


def test_syncing_the_groups_again_changes_nothing(db):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.staff_groups import sync_staff_groups

    before = {g.name: _names(g.permissions.all()) for g in Group.objects.all()}
    sync_staff_groups(apps)
    assert {g.name: _names(g.permissions.all()) for g in Group.objects.all()} == before


def test_moderators_approve_every_workflow_and_courses_need_their_approval(course):
    from wagtail.models import Workflow

    for workflow in Workflow.objects.filter(active=True):
        tasks = [t.specific for t in workflow.tasks]
        assert tasks, f"{workflow.name} has no task"
        for task in tasks:
            assert roles.MODERATORS in {g.name for g in task.groups.all()}
    assert course.get_workflow().name == "Course approval"


def test_a_marketing_editor_submits_a_course_and_a_moderator_approves_it(staff, course):
    from wagtail.models import TaskState

    editor, moderator = staff["editor"], staff["moderator"]
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
