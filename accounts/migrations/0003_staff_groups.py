from django.db import migrations


def create_staff_groups(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from accounts import roles

    # Permissions are normally made after all migrations; make them now so we can grant them.
    for app_config in global_apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    def permission(dotted):
        app_label, codename = dotted.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for name, model_permissions in roles.MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[permission(p) for p in model_permissions])
        for codename in roles.PAGE_PERMISSIONS.get(name, []):
            if root_page:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page,
                    permission=permission(f"wagtailcore.{codename}"),
                )
        for codename in roles.COLLECTION_PERMISSIONS.get(name, []):
            app = "wagtailimages" if codename.endswith("image") else "wagtaildocs"
            if root_collection:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection,
                    permission=permission(f"{app}.{codename}"),
                )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_join_requests_trust_roles_closing"),
        ("bookings", "0003_calendar_feeds"),
        ("courses", "0002_coursepage_free_cancellation_days"),
        ("home", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0005_editingsession_is_editing"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_staff_groups, migrations.RunPython.noop)]
