from django.apps import AppConfig
from django.db.models.signals import post_save


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self):
        # deferred: models need the app registry, not ready at import
        from core import pagecache

        from .models import Audience, CourseRun, Facilitator, Phase, ProgrammePage, Session, Venue
        from .workflows import attach_to_new_programme

        post_save.connect(
            attach_to_new_programme, sender=ProgrammePage, dispatch_uid="course-approval"
        )
        # Pages show runs, sessions and the snippets: a change forgets the cached pages.
        pagecache.content_shown_by(CourseRun, Session, Venue, Facilitator, Audience, Phase)
