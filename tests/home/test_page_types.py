"""Page-type rules and that every page type renders."""

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from courses.models import CoursePage, ProgrammePage, StrandPage
from home.models import FormPage, HomePage, NewsIndexPage, NewsPage, StandardPage
from tests.factories import courses


class TestWherePagesMayLive(WagtailPageTestCase):
    def test_courses_live_only_under_strands(self):
        self.assertAllowedParentPageTypes(CoursePage, {StrandPage})

    def test_strands_live_only_under_the_programme(self):
        self.assertAllowedParentPageTypes(StrandPage, {ProgrammePage})

    def test_programme_lives_under_home(self):
        self.assertAllowedParentPageTypes(ProgrammePage, {HomePage})

    def test_home_allows_site_sections(self):
        self.assertAllowedSubpageTypes(
            HomePage, {ProgrammePage, StandardPage, FormPage, NewsIndexPage}
        )

    def test_a_course_cannot_be_added_directly_under_home_or_programme(self):
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(ProgrammePage, CoursePage)
        self.assertCanCreateAt(StrandPage, CoursePage)

    def test_courses_have_no_children(self):
        self.assertAllowedSubpageTypes(CoursePage, set())

    def test_news_articles_live_under_the_news_index(self):
        self.assertAllowedParentPageTypes(NewsPage, {NewsIndexPage})


@pytest.mark.parametrize(
    "model",
    [
        HomePage,
        ProgrammePage,
        StrandPage,
        CoursePage,
        StandardPage,
        FormPage,
        NewsIndexPage,
        NewsPage,
    ],
)
def test_every_page_type_renders(demo, client, model):
    """Asks for the demo: seed_demo must make a live page of every type, and each renders."""
    page = model.objects.live().first()
    assert page is not None, f"seed_demo made no {model.__name__}"
    response = client.get(page.url)
    assert response.status_code == 200
    assert page.title.encode() in response.content or model is HomePage


def test_a_second_home_or_programme_cannot_be_added(db):
    courses.programme()  # the home page and its programme
    home = HomePage.objects.get()
    assert not HomePage.can_create_at(Page.get_first_root_node())
    assert not ProgrammePage.can_create_at(home)
