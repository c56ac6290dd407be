"""What a course list block shows: live courses, chosen or filtered, as the finder's cards.

A fixed number of queries per block (courses, strands, upcoming runs), whatever its length."""

from django.db.models import Q

from courses.models import CoursePage, CourseRun, StrandPage
from search.services import Result


def _chosen(value):
    ids = [page.pk for page in value["courses"] if page]
    found = CoursePage.objects.live().public().filter(pk__in=ids).defer("body", "learning_outcomes")
    by_id = {course.pk: course for course in found}
    return [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]  # the editor's order


def _filtered(value):
    courses = CoursePage.objects.live().public()
    if strand := value.get("strand"):
        in_strand = CoursePage.objects.filter(
            Q(path__startswith=strand.path) | Q(cross_listed_strands=strand)
        )
        courses = courses.filter(pk__in=in_strand.values("pk"))
    if audience := value.get("audience"):
        courses = courses.filter(audiences=audience)
    if phase := value.get("phase"):
        courses = courses.filter(phases=phase)
    courses = courses.defer("body", "learning_outcomes")
    return list(CoursePage.listing(courses)[: value.get("max_items") or 3])


def course_list_results(value):
    """search.services.Result for each course, with its soonest upcoming run."""
    chosen = any(page for page in value["courses"])
    courses = _chosen(value) if chosen else _filtered(value)
    if not courses:
        return []

    strands = {
        s.path: s
        for s in StrandPage.objects.filter(path__in={c.path[: -c.steplen] for c in courses})
    }
    runs = {}
    by_id = {course.pk: course for course in courses}
    for run in CourseRun.objects.upcoming().filter(course__in=list(by_id)).select_related("venue"):
        run.course = by_id[run.course_id]  # run.price reads the course already in hand
        runs.setdefault(run.course_id, []).append(run)
    results = []
    for course in courses:
        upcoming = runs.get(course.pk, [])
        results.append(
            Result(
                course=course,
                strand=strands.get(course.path[: -course.steplen]),
                run=upcoming[0] if upcoming else None,
                other_dates=max(len(upcoming) - 1, 0),
            )
        )
    return results
