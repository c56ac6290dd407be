from django.apps import AppConfig
from django.db.models.signals import post_save


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self):
        from .models import ProgrammePage
        from .workflows import attach_to_new_programme

        post_save.connect(
            attach_to_new_programme, sender=ProgrammePage, dispatch_uid="course-approval"
        )
