"""The admin dashboard's order for those who write and approve pages. Each app adds its own
panels (bookings.dashboard: runs this week; billing.dashboard: invoices overdue); home only
brings Wagtail's workflow panels first for moderators and marketing editors."""

from accounts import roles

# Wagtail's own panels that list pages in a workflow.
WORKFLOW_PANELS = {"workflow_objects_to_moderate", "user_objects_in_workflow_moderation"}


def workflow_panels_first(request, panels):
    if roles.holds_staff_role(request.user, roles.MODERATORS, roles.MARKETING):
        # Pages awaiting moderation come first for those who write and approve them.
        for panel in panels:
            if getattr(panel, "name", "") in WORKFLOW_PANELS:
                panel.order = 40 if panel.name == "workflow_objects_to_moderate" else 45
