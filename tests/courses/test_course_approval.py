"""The "Course approval" workflow is production data: a migrated database has it without the
demo, a programme page an editor makes goes through it, and the demo reuses it."""

import json
import os

from django.core.management import call_command
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from courses.models import CoursePage, ProgrammePage
from tests.test_make_run import _manage  # a fresh process on a fresh database

# Run in a fresh process on a fresh SQLite file: what the workflow tables hold after
# `migrate` alone, and again after seed_demo.
FACTS = """
import json
from django.core.management import call_command
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

def facts():
    workflows = Workflow.objects.filter(name="Course approval")
    tasks = GroupApprovalTask.objects.filter(name="Moderator approval for courses")
    return {
        "workflows": workflows.count(),
        "active": list(workflows.values_list("active", flat=True)),
        "tasks": tasks.count(),
        "approvers": sorted(tasks.values_list("groups__name", flat=True)),
        "steps": WorkflowTask.objects.filter(workflow__in=workflows).count(),
        "attached_to": sorted(
            WorkflowPage.objects.filter(workflow__in=workflows).values_list(
                "page__content_type__model", flat=True
            )
        ),
    }

migrated = facts()
call_command("seed_demo", verbosity=0)
print(json.dumps({"migrated": migrated, "seeded": facts()}))
"""


def test_a_migrated_database_has_course_approval_and_the_demo_reuses_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    )

    _manage(env, "migrate", "--noinput")
    facts = json.loads(_manage(env, "shell", "-c", FACTS).strip().splitlines()[-1])

    # Migrated only: one workflow, one step, moderators approve it; no programme page yet.
    assert facts["migrated"] == {
        "workflows": 1,
        "active": [True],
        "tasks": 1,
        "approvers": ["Moderators"],
        "steps": 1,
        "attached_to": [],
    }
    # The demo's programme page goes through that same workflow: nothing made twice.
    assert facts["seeded"] == {**facts["migrated"], "attached_to": ["programmepage"]}


def test_a_programme_page_an_editor_makes_goes_through_course_approval(site):
    home = site
    programme = ProgrammePage(title="Programme 2027", slug="programme-2027")
    home.add_child(instance=programme)

    assert programme.get_workflow().name == "Course approval"
    assert WorkflowPage.objects.get(page=programme).workflow.name == "Course approval"


def test_a_retired_course_approval_is_not_put_back_on_a_new_programme(site):
    Workflow.objects.filter(name="Course approval").update(active=False)
    home = site
    programme = ProgrammePage(title="Programme 2027", slug="programme-2027")
    home.add_child(instance=programme)

    assert not WorkflowPage.objects.filter(page=programme).exists()


def test_the_demo_run_again_reuses_the_migrated_workflow(demo):
    call_command("seed_demo", verbosity=0)

    workflow = Workflow.objects.get(name="Course approval")
    assert GroupApprovalTask.objects.filter(name="Moderator approval for courses").count() == 1
    assert WorkflowTask.objects.filter(workflow=workflow).count() == 1
    assert WorkflowPage.objects.get(page=ProgrammePage.objects.get()).workflow == workflow
    assert CoursePage.objects.live().first().get_workflow() == workflow
