from celery import shared_task

from .models import UnmatchedSearch


@shared_task(name="courses.tasks.forget_old_unmatched_searches")
def forget_old_unmatched_searches():
    return UnmatchedSearch.forget_old()
