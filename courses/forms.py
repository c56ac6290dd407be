"""The run edit form in the admin. Sessions are edited inline; deleting one that people are
booked on would silently drop it from their calendars (and take its register marks with it),
so that is refused with the way to do it properly."""

from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm


class CourseRunForm(WagtailAdminModelForm):
    def is_valid(self):
        valid = super().is_valid()
        sessions = getattr(self, "formsets", {}).get("sessions")
        if not valid or sessions is None or not self.instance.pk:
            return valid
        doomed = [f.instance for f in sessions.deleted_forms if f.instance.pk]
        if not doomed:
            return True
        from bookings.models import Enrolment

        booked = (
            Enrolment.objects.filter(run_id=self.instance.pk)
            .exclude(status=Enrolment.Status.CANCELLED)
            .exists()
        )
        if not booked:
            return True
        now = timezone.now()
        for session in doomed:
            when = f"{timezone.localtime(session.starts_at):%a %-d %b %Y, %H:%M}"
            if session.starts_at > now:
                self.add_error(
                    None,
                    f"The session on {when} has delegates booked, so it cannot be deleted. "
                    "Use “Cancel session” on the run's Sessions page: delegates are told "
                    "and their calendars show it as cancelled.",
                )
            else:
                self.add_error(
                    None,
                    f"The session on {when} has taken place with delegates booked; it is "
                    "kept for their attendance and certificates.",
                )
        return False
