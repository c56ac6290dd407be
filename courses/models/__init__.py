"""The catalogue's models, one module per area: reference (audiences, phases, venues,
facilitators), pages (programme, strands, courses) and runs (venues, runs and sessions). Every model
is imported here, so Django finds them all and `from courses.models import X` still works."""

from .pages import CoursePage, CourseSubjectTag, ProgrammePage, StrandPage
from .reference import Audience, Facilitator, Phase
from .runs import CourseRun, CourseRunQuerySet, Session, Venue
from .searches import UnmatchedSearch

__all__ = [
    "Audience",
    "CoursePage",
    "CourseRun",
    "CourseRunQuerySet",
    "CourseSubjectTag",
    "Facilitator",
    "Phase",
    "ProgrammePage",
    "Session",
    "StrandPage",
    "UnmatchedSearch",
    "Venue",
]
