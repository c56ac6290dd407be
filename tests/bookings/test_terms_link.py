"""Wherever people accept the booking terms (the booking details form, a waiting-list offer,
moving a place), the terms page is linked, opening in a new tab so the form is kept."""

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import Site

from bookings.links import offer_acceptance_url
from bookings.models import WaitingListEntry
from home.models import SiteSettings, StandardPage
from tests.factories import courses


@pytest.fixture
def terms_page(db):
    home = courses.home()
    page = StandardPage(title="Booking terms", slug="booking-terms", intro="What you accept.")
    home.add_child(instance=page)
    courses.publish(page)
    details = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    details.booking_terms_page = page
    details.save()
    return page


def _link(page):
    return (
        f'<a href="{page.url}" target="_blank" rel="noopener">'
        "booking terms (opens in a new tab)</a>"
    )


def test_the_booking_details_form_links_the_terms_it_asks_people_to_accept(
    client, open_run, people, terms_page
):
    client.force_login(people["teacher_a"])
    html = client.get(f"/book/{open_run.pk}/details/?school={people['school_a'].pk}", follow=True)
    html = html.content.decode()
    assert "I accept the booking terms" in html
    assert _link(terms_page) in html
    assert client.get(terms_page.url).status_code == 200


def test_accepting_a_waiting_list_offer_links_the_terms(client, open_run, people, terms_page):
    now = timezone.now()
    entry = WaitingListEntry.objects.create(
        run=open_run,
        person=people["teacher_a"],
        school=people["school_a"],
        added_by=people["teacher_a"],
        status=WaitingListEntry.Status.OFFERED,
        places_offered=1,
        offered_at=now,
        offer_expires_at=now + dt.timedelta(hours=48),
    )
    client.force_login(people["teacher_a"])
    html = client.get(offer_acceptance_url(entry)).content.decode()
    assert "A place is yours if you want it" in html
    assert _link(terms_page) in html


def test_no_link_to_an_unpublished_terms_page(client, open_run, people, terms_page):
    terms_page.unpublish()
    client.force_login(people["teacher_a"])
    html = client.get(f"/book/{open_run.pk}/details/?school={people['school_a'].pk}", follow=True)
    assert "booking terms (opens in a new tab)" not in html.content.decode()
