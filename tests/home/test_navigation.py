"""The header and footer menus are cached (every page view shows them) and change as soon as
pages are published, unpublished, moved or deleted."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from home.models import HomePage, StandardPage


def _menu_queries(client, path="/about/"):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    menus = ('"wagtailcore_page"."show_in_menus") ORDER BY', 'FROM "courses_strandpage"')
    return [q["sql"] for q in queries if any(m in q["sql"] for m in menus)]


def test_a_page_view_reads_the_menus_once_then_from_the_cache(client, demo):
    assert len(_menu_queries(client)) == 2, "the first view builds the menus"
    assert _menu_queries(client) == [], "later views take them from the cache"


def test_a_new_menu_page_shows_at_once(client, demo, django_capture_on_commit_callbacks):
    client.get("/")
    home = HomePage.objects.get()
    page = StandardPage(title="Traded services charter", slug="charter", show_in_menus=True)
    with django_capture_on_commit_callbacks(execute=True):
        home.add_child(instance=page)
        page.save_revision().publish()
    assert ">Traded services charter</a>" in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert ">Traded services charter</a>" not in client.get("/").content.decode()


def test_a_renamed_strand_shows_at_once(client, demo, django_capture_on_commit_callbacks):
    from courses.models import StrandPage

    client.get("/about/")  # a page whose own content lists no strands
    strand = StrandPage.objects.live().first()
    strand.title = "A strand renamed"
    with django_capture_on_commit_callbacks(execute=True):
        strand.save_revision().publish()
    assert "A strand renamed" in client.get("/about/").content.decode()


def test_teachers_pay_no_permission_query_for_the_userbar(client, people):
    client.force_login(people["teacher_a"])
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert "wagtail-userbar" not in html
    assert not [q for q in queries if "auth_permission" in q["sql"]]


def test_the_site_and_its_settings_come_from_the_cache(client, demo):
    client.get("/about/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/about/")
    looked_up = [q["sql"] for q in queries if "wagtailcore_site" in q["sql"]]
    looked_up += [q["sql"] for q in queries if "home_sitesettings" in q["sql"]]
    assert looked_up == []


def test_edited_site_settings_show_at_once(client, demo, django_capture_on_commit_callbacks):
    from wagtail.models import Site

    from home.models import SiteSettings

    client.get("/about/")
    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.organisation_name = "Haverleigh Learning Partnership"
    with django_capture_on_commit_callbacks(execute=True):
        settings.save()
    assert "Haverleigh Learning Partnership" in client.get("/about/").content.decode()


def test_the_main_menu_folds_behind_a_menu_button_that_needs_no_javascript(client, site):
    html = client.get("/").content.decode()
    menu = html.split('<details class="site-menu" data-site-menu>')[1].split("</details>")[0]
    assert menu.lstrip().startswith('<summary class="site-menu__button">Menu</summary>')
    assert '<nav class="site-nav" aria-label="Main">' in menu and "Find a course" in menu
