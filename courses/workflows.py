"""The "Course approval" workflow: a course page goes live only when a moderator approves it.

Production data, not demo data: a data migration (courses/0008) makes it on every database and
attaches it to the programme page if there is one; a programme page made later gets it when it
is created (`attach_to_new_programme`), so every strand and course below it is covered.
seed_demo calls the same function, so the demo never makes a second copy."""

from django.apps import apps as installed_apps
from wagtail.models import Workflow

from accounts.roles import MODERATORS

WORKFLOW = "Course approval"
TASK = "Moderator approval for courses"


def ensure_course_approval(apps):
    """The workflow, its one task and the moderators who approve it, each made if missing.
    `apps` is a migration's app registry or `django.apps.apps`, so the migration and the demo
    share this."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")

    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW)
    task = GroupApprovalTask.objects.filter(name=TASK).first()
    if task is None:
        # Historical models skip Task.__init__, which would fill in the content type.
        content_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="groupapprovaltask"
        )
        task = GroupApprovalTask.objects.create(name=TASK, content_type=content_type)
    task.groups.add(moderators)
    # Not workflow.workflow_tasks.create(): on a ClusterableModel that is never saved.
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


def attach(apps, page_id, workflow):
    """The page (and all below it) goes through `workflow`, unless it already has its own."""
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowPage.objects.get_or_create(page_id=page_id, defaults={"workflow": workflow})


def attach_to_new_programme(sender, instance, created, raw=False, **kwargs):
    """post_save of ProgrammePage: the programme an editor makes goes through Course approval,
    if the workflow is still there and active (staff may have retired it on purpose)."""
    if not created or raw:
        return
    course_approval = Workflow.objects.filter(name=WORKFLOW, active=True).first()
    if course_approval is not None:
        attach(installed_apps, instance.pk, course_approval)
