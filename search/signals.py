"""Retire the finder's kept catalogue when what it lists changes (see search.services).

After commit: retired earlier, another worker could rebuild from the rows as they were before
this change and keep that under the new version."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from bookings.models import Enrolment, WaitingListEntry
from courses.models import Audience, CoursePage, CourseRun, Phase, Session, StrandPage

from . import services


def catalogue_changed(**kwargs):
    transaction.on_commit(services.catalogue_changed)


def places_changed(**kwargs):
    transaction.on_commit(services.places_changed)


def connect():
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(catalogue_changed, dispatch_uid=f"search-{id(signal)}")
    for model in (CoursePage, StrandPage, CourseRun, Session, Phase, Audience):
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"search-save-{model}")
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"search-del-{model}")
    for relation in (CoursePage.phases, CoursePage.audiences, CoursePage.cross_listed_strands):
        m2m_changed.connect(catalogue_changed, sender=relation.through)
    for model in (Enrolment, WaitingListEntry):
        post_save.connect(places_changed, sender=model, dispatch_uid=f"search-save-{model}")
        post_delete.connect(places_changed, sender=model, dispatch_uid=f"search-del-{model}")
