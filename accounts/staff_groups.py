"""Make the staff groups exactly what accounts.roles says. Called by data migrations (with
their historical `apps`) and by tests after a flush; running it twice changes nothing."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from . import roles


def make_permissions(apps):
    """Permissions are normally made after all migrations; make them now so we can grant them."""
    for app_config in global_apps.get_app_configs():
        models_module = app_config.models_module
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module


def sync_staff_groups(apps, *, strict=True):
    """Set each group's model, page-tree and collection permissions to roles'. With
    strict=False, permissions not made yet (an app migrated later) are skipped."""
    make_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    def permissions(dotted_names):
        found = []
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None and strict:
                raise LookupError(f"No permission {dotted}: is its app installed and migrated?")
            if permission is not None:
                found.append(permission)
        return found

    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for name, model_permissions in roles.MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions(model_permissions))
        if root_page:
            wanted = permissions(f"wagtailcore.{c}" for c in roles.PAGE_PERMISSIONS.get(name, []))
            GroupPagePermission.objects.filter(group=group).exclude(
                page=root_page, permission__in=wanted
            ).delete()
            for permission in wanted:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=permission
                )
        if root_collection:
            wanted = permissions(roles.COLLECTION_PERMISSIONS.get(name, []))
            GroupCollectionPermission.objects.filter(group=group).exclude(
                collection=root_collection, permission__in=wanted
            ).delete()
            for permission in wanted:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )

    for retired, successor in roles.RETIRED_GROUPS.items():
        old = Group.objects.filter(name=retired).first()
        if old:
            new = Group.objects.get(name=successor)
            new.user_set.add(*old.user_set.all())
            old.delete()  # its page, collection and task links go with it
