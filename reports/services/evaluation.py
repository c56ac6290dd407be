"""Evaluation: average ratings, the latest comments, and the impact follow-up."""

from collections import defaultdict

from django.db.models import (
    Count,
    Q,
    Sum,
)

from bookings.models import Evaluation, ImpactFollowUp

from ..tables import COUNT, DECIMAL, PERCENT, Column, Table
from .common import (
    Chart,
    ReportResult,
    Strands,
    as_date,
    average,
    runs_in,
    share,
    strand_path,
)

RATINGS = ("quality", "relevance", "facilitator")
RATING_COLUMNS = [
    Column("Evaluations", COUNT),
    Column("Quality", DECIMAL),
    Column("Relevance", DECIMAL),
    Column("Facilitator", DECIMAL),
    Column("Overall", DECIMAL),
]
RATING_SUMS = {"n": Count("pk"), **{f"{r}_sum": Sum(r) for r in RATINGS}}


def _rating_row(label, n, sums):
    averages = [average(sums[r], n) for r in RATINGS]
    overall = average(sum(sums[r] for r in RATINGS), n * len(RATINGS)) if n else None
    return [label, n, *averages, overall]


def _in_scope(queryset, filters, enrolment="enrolment"):
    queryset = queryset.filter(**{f"{enrolment}__run__in": runs_in(filters.year)})
    if filters.la:
        queryset = queryset.filter(**{f"{enrolment}__booking__school__local_authority": filters.la})
    if filters.strand:
        queryset = queryset.filter(
            **{f"{enrolment}__run__course__path__startswith": filters.strand.path}
        )
    return queryset


def evaluation(filters):
    """Average ratings (1–5) per strand, course and facilitator; the latest comments; and the
    impact follow-up: how many were asked and answered, with the latest answers."""
    done = _in_scope(Evaluation.objects.filter(submitted_at__isnull=False), filters)
    strands = Strands()

    def sums(row):
        return {r: row[f"{r}_sum"] for r in RATINGS}

    by_strand = Table("by-strand", "Ratings by strand", [Column("Strand"), *RATING_COLUMNS])
    strand_rows = {
        r["strand"]: r
        for r in done.annotate(strand=strand_path("enrolment__run__course__path"))
        .order_by()
        .values("strand")
        .annotate(**RATING_SUMS)
    }
    for path in strands.ordered(set(strand_rows)):
        r = strand_rows[path]
        by_strand.rows.append(_rating_row(strands.title(path), r["n"], sums(r)))
        by_strand.colours.append(strands.colour(path))

    by_course = Table("by-course", "Ratings by course", [Column("Course"), *RATING_COLUMNS])
    for r in (
        done.order_by()
        .values("enrolment__run__course_id", "enrolment__run__course__title")
        .annotate(**RATING_SUMS)
        .order_by("enrolment__run__course__title")
    ):
        by_course.rows.append(_rating_row(r["enrolment__run__course__title"], r["n"], sums(r)))

    # A run's own facilitators led it; a run naming none was led by the course's.
    led = defaultdict(lambda: {"n": 0, **dict.fromkeys(RATINGS, 0)})
    names = {}
    for prefix, scope in (
        ("enrolment__run__facilitators", done.filter(enrolment__run__facilitators__isnull=False)),
        (
            "enrolment__run__course__facilitators",
            done.filter(
                enrolment__run__facilitators__isnull=True,
                enrolment__run__course__facilitators__isnull=False,
            ),
        ),
    ):
        for r in (
            scope.order_by().values(f"{prefix}__pk", f"{prefix}__name").annotate(**RATING_SUMS)
        ):
            pk = r[f"{prefix}__pk"]
            names[pk] = r[f"{prefix}__name"]
            led[pk]["n"] += r["n"]
            for rating in RATINGS:
                led[pk][rating] += r[f"{rating}_sum"]
    by_facilitator = Table(
        "by-facilitator", "Ratings by facilitator", [Column("Facilitator"), *RATING_COLUMNS]
    )
    for pk in sorted(led, key=lambda pk: names[pk]):
        by_facilitator.rows.append(_rating_row(names[pk], led[pk]["n"], led[pk]))

    comments = Table(
        "comments",
        "Latest comments",
        [Column("Submitted"), Column("Course"), Column("What they will do differently"),
         Column("Comments")],
    )  # fmt: skip
    for e in (
        done.exclude(comments="")
        .select_related("enrolment__run__course")
        .order_by("-submitted_at", "-pk")[:10]
    ):
        comments.rows.append(
            [as_date(e.submitted_at), e.enrolment.run.course.title, e.will_do_differently,
             e.comments]
        )  # fmt: skip

    total = done.aggregate(**RATING_SUMS)
    impact, answers = _impact(filters, strands)
    return ReportResult(
        tables=[by_strand, by_course, by_facilitator, comments, impact, answers],
        charts=[
            Chart("bar", "by-strand", "Overall", "Average rating by strand (out of 5)", maximum=5)
        ],  # fmt: skip
        headline=[
            ("Evaluations submitted", total["n"], COUNT),
            ("Average rating (out of 5)", _rating_row("", total["n"], sums(total))[-1], DECIMAL),
        ],
    )


def _impact(filters, strands):
    follow_ups = _in_scope(ImpactFollowUp.objects.all(), filters)
    counts = (
        follow_ups.annotate(strand=strand_path("enrolment__run__course__path"))
        .order_by()
        .values("strand")
        .annotate(
            sent=Count("pk"),
            delegate=Count("pk", filter=Q(delegate_answered_at__isnull=False)),
            lead=Count("pk", filter=Q(lead_answered_at__isnull=False)),
        )
    )
    by_path = {r["strand"]: r for r in counts}
    table = Table(
        "impact",
        "Impact follow-up",
        [Column("Strand"), Column("Asked", COUNT), Column("Delegates answered", COUNT),
         Column("Delegate response rate", PERCENT), Column("CPD leads answered", COUNT),
         Column("CPD lead response rate", PERCENT)],
    )  # fmt: skip
    for path in strands.ordered(set(by_path)):
        r = by_path[path]
        table.rows.append(
            [strands.title(path), r["sent"], r["delegate"], share(r["delegate"], r["sent"]),
             r["lead"], share(r["lead"], r["sent"])]
        )  # fmt: skip
    answers = Table(
        "impact-answers",
        "Latest impact answers",
        [Column("Asked"), Column("Course"), Column("The delegate says"),
         Column("Their CPD lead says")],
    )  # fmt: skip
    for f in (
        follow_ups.filter(Q(delegate_answered_at__isnull=False) | Q(lead_answered_at__isnull=False))
        .select_related("enrolment__run__course")
        .order_by("-sent_at", "-pk")[:10]
    ):
        answers.rows.append(
            [as_date(f.sent_at), f.enrolment.run.course.title, f.delegate_answer, f.lead_answer]
        )
    return table, answers
