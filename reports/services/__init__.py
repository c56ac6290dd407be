"""The service managers' reports, one function each, built from aggregated queries.

Each takes ReportFilters (academic year, LA, strand, thresholds) and returns a ReportResult:
plain tables of figures, which the page, the charts and the CSV/XLSX exports all read. The
database does the counting and summing; Python only arranges the aggregated rows (a row per
strand, month, LA or run), so the number of queries stays the same whatever the data's size.

Which year a thing belongs to:
- money: the invoice's or credit note's issue date (invoiced against paid follows the year's
  invoices, whenever they were paid);
- places, waiting lists, evaluations and impact: the run's first session (as CPD records do).
"""

from dataclasses import dataclass

from .buy_in import buy_in
from .common import NO_STRAND, Chart, ReportResult  # noqa: F401
from .demand import DEMAND_THRESHOLDS, demand
from .evaluation import evaluation
from .fill_rates import FILL_THRESHOLDS, fill_rates
from .income import income


@dataclass
class ReportType:
    slug: str
    title: str
    summary: str
    build: object
    permissions: tuple  # any one of these opens it
    thresholds: tuple = ()


EVERY_REPORT = "reports.view_reports"
INCOME_REPORT = "reports.view_income_report"

REPORTS = {
    r.slug: r
    for r in (
        ReportType(
            "income",
            "Income",
            "By strand, month and LA, net of credit notes; invoiced against paid; a forecast "
            "from confirmed places.",
            income,
            (EVERY_REPORT, INCOME_REPORT),
        ),
        ReportType(
            "buy-in",
            "Buy-in",
            "The share of open schools bought in (a place or a package), against targets and "
            "month by month, by LA, consortium and phase, with a trend and a target list.",
            buy_in,
            (EVERY_REPORT,),
        ),
        ReportType(
            "fill-rates",
            "Fill rates",
            "Capacity, booked, attended, no-shows and waiting list per run and strand; runs "
            "below their minimum numbers.",
            fill_rates,
            (EVERY_REPORT,),
            FILL_THRESHOLDS,
        ),
        ReportType(
            "demand",
            "Demand",
            "Courses whose waiting lists are long enough to schedule another run.",
            demand,
            (EVERY_REPORT,),
            DEMAND_THRESHOLDS,
        ),
        ReportType(
            "evaluation",
            "Evaluation and impact",
            "Average ratings per strand, course and facilitator, the latest comments, and the "
            "impact follow-up.",
            evaluation,
            (EVERY_REPORT,),
        ),
    )
}


def may_see(user, report):
    return user.is_active and any(user.has_perm(p) for p in report.permissions)


def reports_for(user):
    return [r for r in REPORTS.values() if may_see(user, r)]
