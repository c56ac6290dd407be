"""Demand beyond waiting lists, by strand, against the hand-counted world in conftest.py.

Waiting-list joins for 2020/21's runs: strand 1 (run SEP) 2 waiting + 1 withdrawn = 3;
strand 2 (run JAN) 3.
Enquiries: one from a form under strand 1 in October 2020, one from a form elsewhere in
March 2021, one under strand 1 in 2019 (another year).
Searches that found nothing: "autism" with the leadership filter 4 times (1 Oct 2020),
"autism" with no filter twice (2 Nov 2020), "latin" 5 times in 2019 (another year).
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import UnmatchedSearch
from courses.models.searches import RETAIN_DAYS
from courses.tasks import forget_old_unmatched_searches
from home.models import EnquirySubmission, FormPage
from reports import services

from .conftest import at
from .test_services import filters_for, rows_by_label

pytestmark = pytest.mark.django_db


def _form(parent, slug):
    return parent.add_child(instance=FormPage(title=f"Ask us {slug}", slug=slug))


def _enquiry(page, when):
    submission = EnquirySubmission.objects.create(page=page, form_data={"message": "Hello"})
    EnquirySubmission.objects.filter(pk=submission.pk).update(submit_time=when)


@pytest.fixture
def demand_world(scenario):
    w = scenario
    under_strand = _form(w.strands[0], "ask-teaching")
    elsewhere = _form(w.strands[0].get_parent(), "ask-anything")
    _enquiry(under_strand, at(2020, 10, 5))
    _enquiry(elsewhere, at(2021, 3, 9))
    _enquiry(under_strand, at(2019, 10, 5))
    UnmatchedSearch.objects.create(
        day=date(2020, 10, 1), words="autism", strand="leadership", searches=4
    )
    UnmatchedSearch.objects.create(day=date(2020, 11, 2), words="autism", searches=2)
    UnmatchedSearch.objects.create(day=date(2019, 10, 1), words="latin", searches=5)
    return w


def test_demand_by_strand_counts_joins_enquiries_and_searches(demand_world):
    w = demand_world
    result = services.demand(filters_for("demand", year="2020/21"))
    table = result.table("by-strand")
    assert rows_by_label(table) == {
        w.strands[0].title: [3, 1, 0],
        w.strands[1].title: [3, 0, 4],
    }
    assert table.footer == ["All (including no strand)", 6, 2, 6]
    headline = {label: value for label, value, _ in result.headline}
    assert headline["Enquiries"] == 2 and headline["Searches that found nothing"] == 6
    searches = result.table("unmatched-searches").rows
    assert searches == [
        ["autism", w.strands[1].title, 4, date(2020, 10, 1)],
        ["autism", "None", 2, date(2020, 11, 2)],
    ]


def test_a_strand_filter_keeps_that_strand(demand_world):
    w = demand_world
    result = services.demand(filters_for("demand", year="2020/21", strand="leadership"))
    assert rows_by_label(result.table("by-strand")) == {w.strands[1].title: [3, 0, 4]}
    assert [r[2] for r in result.table("unmatched-searches").rows] == [4]
    headline = {label: value for label, value, _ in result.headline}
    assert headline["Enquiries"] == 0 and headline["Searches that found nothing"] == 4


def test_demand_page_and_export_show_it(client, demand_world):
    from accounts import roles
    from tests.factories import cast

    client.force_login(cast.officer(roles.MANAGERS))
    url = reverse("reports:report", args=["demand"])
    page = client.get(url, {"year": "2020/21"}).content.decode()
    assert "Demand by strand" in page and "Searches that found nothing" in page
    csv_text = client.get(
        url, {"year": "2020/21", "format": "csv", "table": "unmatched-searches"}
    ).content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("autism,Developing leadership,4,")


def test_a_finder_search_that_finds_nothing_is_counted_without_who_searched(client, world):
    finder = reverse("search:finder")
    client.get(finder, {"q": "  Xylophone   UNDERWATER "})
    client.get(finder, {"q": "xylophone underwater", "strand": "leadership"})
    client.get(finder, {"q": "xylophone underwater", "page": "2"})  # the same search, paged
    rows = list(UnmatchedSearch.objects.values_list("words", "strand", "searches"))
    assert sorted(rows) == [
        ("xylophone underwater", "", 1),
        ("xylophone underwater", "leadership", 1),
    ]
    UnmatchedSearch.record("Xylophone underwater")
    assert UnmatchedSearch.objects.get(strand="").searches == 2


def test_unmatched_searches_are_kept_13_months(db):
    today = timezone.localdate()
    UnmatchedSearch.objects.create(day=today - timedelta(days=RETAIN_DAYS + 1), words="old")
    UnmatchedSearch.objects.create(day=today - timedelta(days=RETAIN_DAYS - 1), words="recent")
    UnmatchedSearch.record("new words")
    assert forget_old_unmatched_searches() == 1
    assert set(UnmatchedSearch.objects.values_list("words", flat=True)) == {"recent", "new words"}
