"""The demo's site pages: the home page and site, site settings, news, an about page and
the enquiry form. Each is found by its slug under its parent and made only when missing."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from home.models import (
    FormField,
    FormPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
    StandardPage,
)

from . import content


def _publish(page):
    page.save_revision().publish()
    return page


def child(parent, model, slug, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    m2m = {k: fields.pop(k) for k in list(fields) if k in {"audiences", "phases", "facilitators"}}
    tags = fields.pop("subjects", [])
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    for name, values in m2m.items():
        getattr(page, name).set(values)
    if tags:
        page.subjects.add(*tags)
    return _publish(page)


def home_page():
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node() or _tree_root()
        home = HomePage(
            title="Home",
            slug="home",
            hero_heading=content.HOME["hero_heading"],
            hero_intro=content.HOME["hero_intro"],
            body=content.HOME_BODY,
        )
        # Wagtail's placeholder welcome page takes the slug "home"; retire it first.
        for placeholder in Page.objects.child_of(root).filter(content_type__model="page"):
            placeholder.delete()
        root = Page.get_first_root_node()
        root.add_child(instance=home)
        _publish(home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="School Improvement CPD",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def _tree_root():
    """Wagtail's root node, recreated when the database was flushed rather than migrated."""
    ContentType.objects.clear_cache()  # a flush re-made content types under new ids
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


def site_settings(home):
    site = Site.objects.get(is_default_site=True)
    details = SiteSettings.for_site(site)
    if not details.address:
        details.organisation_name = "School Improvement Service"
        details.council_name = "Haverleigh Borough Council"
        details.contact_email = "cpd@example.gov.uk"
        details.contact_phone = "01632 960 000"
        details.address = (
            "Haverleigh Professional Development Centre\nKingsway\nHaverleigh\nHV2 4RD"
        )
        details.linkedin_url = "https://www.linkedin.com/"
        details.save()


def booking_terms(home):
    """The booking terms page, linked wherever people accept the terms."""
    t = content.BOOKING_TERMS
    page = child(
        home,
        StandardPage,
        "booking-terms",
        title=t["title"],
        intro=t["intro"],
        body=[("paragraph", "".join(f"<p>{p}</p>" for p in t["body"]))],
    )
    details = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    if details.booking_terms_page_id is None:
        details.booking_terms_page = page
        details.save(update_fields=["booking_terms_page"])
    return page


def news(home):
    index = child(
        home,
        NewsIndexPage,
        "news",
        title="News",
        show_in_menus=True,
        intro="Updates from the School Improvement Service.",
    )
    for n in content.NEWS:
        child(
            index,
            NewsPage,
            n["slug"],
            title=n["title"],
            date=dt.date.fromisoformat(n["date"]),
            intro=n["intro"],
            body=[("paragraph", "".join(f"<p>{p}</p>" for p in n["body"]))],
        )


def about_and_enquiry(home):
    a = content.ABOUT
    child(
        home,
        StandardPage,
        "about",
        title=a["title"],
        intro=a["intro"],
        show_in_menus=True,
        body=[("paragraph", "".join(f"<p>{p}</p>" for p in a["body"]))],
    )
    f = content.ENQUIRY_FORM
    if FormPage.objects.child_of(home).filter(slug="bespoke-support").exists():
        return
    form = FormPage(
        slug="bespoke-support",
        title=f["title"],
        show_in_menus=True,
        intro=f"<p>{f['intro']}</p>",
        thank_you_text=f"<p>{f['thank_you_text']}</p>",
        to_address="cpd@example.gov.uk",
        from_address="noreply@example.gov.uk",
        subject="New enquiry from the CPD website",
    )
    home.add_child(instance=form)
    for order, field in enumerate(f["fields"]):
        FormField.objects.create(
            page=form,
            sort_order=order,
            label=field["label"],
            field_type=field["field_type"],
            required=field["required"],
            choices=field.get("choices", ""),
        )
    _publish(form)
