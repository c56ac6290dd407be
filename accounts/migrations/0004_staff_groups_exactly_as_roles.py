"""Every staff group's permissions become exactly accounts.roles' (issue 9, "Roles"):
marketing editors gain redirects, search promotions, site settings and image/document
deletion; moderators lose the image and document editing Wagtail's own group came with;
service managers read billing; Wagtail's "Editors" group, a confusing twin of
"Marketing editors", is removed and its members moved across."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.staff_groups import sync_staff_groups

    # strict=False: grants for apps migrated after this one (reports) are made by their own
    # migration's re-sync; seed_demo and the tests sync strictly.
    sync_staff_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_groups"),
        ("billing", "0004_finance_officer_permissions"),
        ("bookings", "0004_after_the_course"),
        ("courses", "0004_facilitator_logins_and_run_facilitators"),
        ("home", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
