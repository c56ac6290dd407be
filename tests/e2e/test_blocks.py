"""A page using every StreamField block, in real Chromium, checked by axe-core: the course
cards, testimonial, FAQ accordion (usable by keyboard, without JavaScript) and the titled video."""

import pytest
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection

from courses.blocks import BodyBlock
from courses.models import Audience, CoursePage, StrandPage
from home.models import HomePage, StandardPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIDEO = "https://www.youtube.com/watch?v=cpd-e2e-01"


def page_with_every_block():
    home = HomePage.objects.get()
    strand = StrandPage.objects.get(title="Building capacity for inclusion")
    chosen = list(CoursePage.objects.live().filter(runs__isnull=False).distinct()[:2])
    Embed.objects.create(
        url=VIDEO,
        hash=get_embed_hash(VIDEO),
        type="video",
        html='<iframe width="200" height="113" src="https://www.youtube-nocookie.com/embed/x"'
        ' frameborder="0" allowfullscreen></iframe>',
        provider_name="YouTube",
    )
    # A flush between transactional tests takes Wagtail's root collection with it.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    photo = Image.objects.create(title="Head shot", file=get_test_image_file(), collection=root)
    blocks = [
        ("heading", "What schools say"),
        ("paragraph", "<p>Every course is led by an adviser who works in local schools.</p>"),
        (
            "testimonial",
            {
                "quote": "The phonics network changed how we teach reading.",
                "name": "Jo Green",
                "role": "English lead, Riverside Academy",
                "photo": {"image": photo.pk, "decorative": False, "alt_text": "Jo Green"},
            },
        ),
        ("quote", {"quote": "Practical from the first minute.", "attribution": "A delegate"}),
        (
            "course_list",
            {
                "heading": "Popular courses",
                "courses": [c.pk for c in chosen],
                "strand": None,
                "audience": None,
                "phase": None,
                "max_items": 3,
            },
        ),
        (
            "course_list",
            {
                "heading": "Inclusion courses for teaching assistants",
                "courses": [],
                "strand": strand.pk,
                "audience": Audience.objects.filter(courses__isnull=False).first().pk,
                "phase": None,
                "max_items": 4,
            },
        ),
        (
            "faq",
            {
                "heading": "Questions schools ask",
                "items": [
                    {
                        "question": "Is lunch provided?",
                        "answer": "<p>At full-day courses, yes.</p>",
                    },
                    {
                        "question": "Can we pay by BACS?",
                        "answer": "<p>Yes, or online by card.</p>",
                    },
                ],
            },
        ),
        (
            "video",
            {
                "title": "A minute in the phonics network",
                "video": VIDEO,
                "transcript": "<p>Welcome to the network.</p>",
            },
        ),
        (
            "call_to_action",
            {
                "heading": "Ready to book?",
                "text": "Find a course and check the dates.",
                "link_page": strand.pk,
                "link_url": "",
                "link_text": "See the inclusion courses",
            },
        ),
    ]
    page = StandardPage(
        title="Why schools choose us",
        slug="why-schools-choose-us",
        intro="What schools say, and the courses they book most.",
        # As the editor's form stores it: ids, not objects.
        body=BodyBlock().to_python([{"type": name, "value": value} for name, value in blocks]),
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page, chosen


def test_every_block_on_one_page_passes_axe_and_the_faq_opens_by_keyboard(
    live_server, demo, page, axe_check
):
    content, chosen = page_with_every_block()
    # No test reaches YouTube: the frame is answered empty.
    page.route("https://www.youtube-nocookie.com/**", lambda route: route.fulfill(body=""))
    page.goto(live_server.url + content.url)

    main = page.get_by_role("main")
    for course in chosen:
        assert main.get_by_role("link", name=course.title).is_visible()
    assert main.get_by_role(
        "heading", name="Inclusion courses for teaching assistants"
    ).is_visible()
    assert page.get_by_role("figure").filter(has_text="Jo Green").get_by_role("img").count() == 1
    assert page.frame_locator('iframe[title="A minute in the phonics network"]').owner.count() == 1

    answer = page.get_by_text("At full-day courses, yes.")
    assert not answer.is_visible()
    question = page.locator("summary", has_text="Is lunch provided?")
    question.focus()
    page.keyboard.press("Enter")
    assert answer.is_visible()
    assert page.locator("details.faq__item").first.evaluate("el => el.open")
    axe_check(page)


def test_the_faq_works_with_javascript_switched_off(live_server, demo, browser):
    content, _ = page_with_every_block()
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.route("https://www.youtube-nocookie.com/**", lambda route: route.fulfill(body=""))
    tab.goto(live_server.url + content.url)
    tab.locator("summary", has_text="Can we pay by BACS?").click()
    assert tab.get_by_text("Yes, or online by card.").is_visible()
    context.close()
