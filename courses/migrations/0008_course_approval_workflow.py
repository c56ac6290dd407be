"""The "Course approval" workflow (courses.workflows) on every database, not only after
seed_demo: attached to the programme page where one exists already. The reverse leaves it,
since pages may be mid-approval."""

from django.db import migrations


def make_course_approval(apps, schema_editor):
    from courses.workflows import attach, ensure_course_approval

    workflow = ensure_course_approval(apps)
    ProgrammePage = apps.get_model("courses", "ProgrammePage")
    for programme_id in ProgrammePage.objects.values_list("pk", flat=True):
        attach(apps, programme_id, workflow)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_facilitator_login_by_group"),
        ("accounts", "0004_staff_groups_exactly_as_roles"),  # the Moderators group
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(make_course_approval, migrations.RunPython.noop)]
