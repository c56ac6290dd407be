"""The StreamField blocks marketing staff use: each renders accessibly, and bad input is
refused by the block's own validation (what the page editor shows) before anything is saved."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from courses import blocks as body_blocks  # TestimonialBlock by name would look like a test class
from courses.blocks import (
    BodyBlock,
    CallToActionBlock,
    CourseListBlock,
    FaqBlock,
    VideoBlock,
    titled_iframes,
)
from courses.models import Audience, CoursePage, CourseRun, Phase, StrandPage
from home.models import HomePage

YOUTUBE = "https://www.youtube.com/watch?v=cpd-demo-01"
VIMEO = "https://vimeo.com/76979871"


def text(html):
    return re.sub(r"\s+", " ", unescape(html)).strip()


def render(block, data):
    """What an editor's form submits, cleaned and rendered as on a page."""
    value = block.clean(block.to_python(data))
    return block.render(value)


@pytest.fixture
def embeds(db):
    """oEmbed answers stored as Wagtail caches them, so no test reaches YouTube or Vimeo."""
    Embed.objects.create(
        url=YOUTUBE,
        hash=get_embed_hash(YOUTUBE),
        type="video",
        html='<iframe width="200" height="113" src="https://www.youtube.com/embed/cpd-demo-01"'
        ' frameborder="0" title="YouTube video player" allowfullscreen></iframe>',
        provider_name="YouTube",
    )
    Embed.objects.create(
        url=VIMEO,
        hash=get_embed_hash(VIMEO),
        type="video",
        html='<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360">'
        "</iframe>",
        provider_name="Vimeo",
    )


# --- call to action -------------------------------------------------------------------------


def test_call_to_action_is_a_heading_and_a_link_named_by_its_text(demo):
    strand = StrandPage.objects.get(title="Using data")
    html = render(
        CallToActionBlock(),
        {
            "heading": "Need bespoke support?",
            "text": "",
            "link_page": strand.pk,
            "link_url": "",
            "link_text": "See the data courses",
        },
    )
    assert '<h2 class="h3 cta__heading">Need bespoke support?</h2>' in html
    assert f'<a class="button" href="{strand.url}">See the data courses</a>' in html
    assert "<aside" not in html  # not a landmark nested inside <main>


@pytest.mark.parametrize("link_page, link_url", [(None, ""), ("strand", "https://example.org/")])
def test_call_to_action_needs_exactly_one_destination(demo, link_page, link_url):
    strand = StrandPage.objects.first()
    block = CallToActionBlock()
    value = block.to_python(
        {
            "heading": "Book now",
            "text": "",
            "link_text": "Book",
            "link_page": strand.pk if link_page else None,
            "link_url": link_url,
        }
    )
    with pytest.raises(ValidationError) as refused:
        block.clean(value)
    assert "Choose a page or give a web address (one)." in str(refused.value.non_block_errors)


# --- course list ----------------------------------------------------------------------------


def _course_list(**data):
    return {
        "heading": "Courses for you",
        "courses": [],
        "strand": None,
        "audience": None,
        "phase": None,
        "max_items": 3,
        **data,
    }


def test_chosen_courses_show_in_the_editors_order_with_next_date_format_and_places(demo):
    first, second = CoursePage.objects.live().filter(runs__isnull=False).distinct()[:2]
    html = render(CourseListBlock(), _course_list(courses=[second.pk, first.pk]))
    shown = text(html)
    assert shown.index(second.title) < shown.index(first.title)
    run = CourseRun.objects.upcoming().filter(course=second).first()
    assert timezone.localtime(run.first_starts_at).strftime("%a %-d %b %Y") in shown
    assert second.get_format_display() in shown
    assert "Places" in shown
    assert html.count('class="course-card finder-card"') == 2
    assert "<h2>Courses for you</h2>" in html


def test_an_unpublished_chosen_course_is_left_out(demo):
    shown, hidden = CoursePage.objects.live()[:2]
    hidden.unpublish()
    html = render(CourseListBlock(), _course_list(courses=[shown.pk, hidden.pk]))
    assert shown.title in unescape(html)
    assert hidden.title not in unescape(html)


def test_filter_by_strand_shows_its_courses_soonest_first_up_to_the_maximum(demo):
    strand = StrandPage.objects.get(title="Building capacity for inclusion")
    in_strand = CoursePage.listing(
        CoursePage.objects.live().filter(pk__in=CoursePage.objects.live().child_of(strand))
    )
    expected = [c.title for c in in_strand[:2]]
    html = unescape(render(CourseListBlock(), _course_list(strand=strand.pk, max_items=2)))
    titles = re.findall(r'<h3 class="course-card__title"><a href="[^"]*">([^<]*)</a>', html)
    assert titles == expected


def test_filter_by_role_and_phase_shows_only_matching_courses(demo):
    audience = Audience.objects.filter(courses__isnull=False).first()
    phase = Phase.objects.filter(courses__audiences=audience).first()
    matching = CoursePage.objects.live().filter(audiences=audience).filter(phases=phase)
    expected = [c.title for c in CoursePage.listing(matching)[:12]]
    html = unescape(
        render(CourseListBlock(), _course_list(audience=audience.pk, phase=phase.pk, max_items=12))
    )
    titles = re.findall(r'<h3 class="course-card__title"><a href="[^"]*">([^<]*)</a>', html)
    assert titles and titles == expected
    assert CoursePage.objects.live().count() > len(titles)


def test_course_list_queries_do_not_grow_with_the_number_of_courses(demo):
    block = CourseListBlock()
    ids = list(
        CoursePage.objects.live().filter(runs__isnull=False).distinct().values_list("pk", flat=True)
    )
    block.render(block.clean(block.to_python(_course_list(courses=ids[:1]))))  # warm caches
    counts = []
    for n in (1, 6):
        value = block.clean(block.to_python(_course_list(courses=ids[:n])))
        with CaptureQueriesContext(connection) as queries:
            html = block.render(value)
        assert html.count('class="course-card finder-card"') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_course_list_with_neither_chosen_courses_nor_a_filter_is_refused(demo):
    block = CourseListBlock()
    with pytest.raises(ValidationError) as refused:
        block.clean(block.to_python(_course_list()))
    assert "Choose at least one course, or filter by strand, role or phase." in str(
        refused.value.non_block_errors
    )


def test_course_list_with_both_chosen_courses_and_a_filter_is_refused(demo):
    block = CourseListBlock()
    course = CoursePage.objects.live().first()
    with pytest.raises(ValidationError) as refused:
        block.clean(block.to_python(_course_list(courses=[course.pk], strand=course.strand.pk)))
    assert "not both" in str(refused.value.non_block_errors)


# --- testimonial ----------------------------------------------------------------------------


def test_testimonial_shows_quote_name_role_and_the_photos_alt_text(demo):
    image = Image.objects.create(title="Head shot", file=get_test_image_file())
    html = render(
        body_blocks.TestimonialBlock(),
        {
            "quote": "Our TAs use the strategies every day.",
            "name": "Priya Shah",
            "role": "SENCo, Oakfield Primary",
            "photo": {"image": image.pk, "decorative": False, "alt_text": "Priya Shah smiling"},
        },
    )
    assert "<blockquote" in html and "Our TAs use the strategies every day." in html
    assert '<span class="testimonial__name">Priya Shah</span>' in html
    assert "SENCo, Oakfield Primary" in html
    assert 'alt="Priya Shah smiling"' in html


def test_testimonial_without_a_photo_has_no_image(db):
    html = render(
        body_blocks.TestimonialBlock(),
        {"quote": "Worth every minute.", "name": "Sam Lee", "role": "", "photo": None},
    )
    assert "<img" not in html and "Sam Lee" in html


def test_testimonial_photo_needs_alt_text_unless_decorative(db):
    image = Image.objects.create(title="Head shot", file=get_test_image_file())
    block = body_blocks.TestimonialBlock()
    data = {
        "quote": "Q",
        "name": "N",
        "role": "",
        "photo": {"image": image.pk, "decorative": False, "alt_text": ""},
    }
    with pytest.raises(ValidationError):
        block.clean(block.to_python(data))


# --- FAQ ------------------------------------------------------------------------------------


def test_faq_is_a_details_and_summary_per_question(db):
    html = render(
        FaqBlock(),
        {
            "heading": "Booking questions",
            "items": [
                {"question": "Can I send a colleague instead?", "answer": "<p>Yes, any time.</p>"},
                {"question": "Is lunch provided?", "answer": "<p>At full-day courses.</p>"},
            ],
        },
    )
    assert "<h2>Booking questions</h2>" in html
    assert html.count("<details") == 2 and html.count("<summary") == 2
    assert re.search(r"<summary[^>]*>Can I send a colleague instead\?</summary>", html)
    assert "<p>Yes, any time.</p>" in html
    assert "<script" not in html  # works without JavaScript


def test_faq_question_without_an_answer_is_refused(db):
    block = FaqBlock()
    data = {"heading": "FAQ", "items": [{"question": "Is there parking?", "answer": ""}]}
    with pytest.raises(ValidationError) as refused:
        block.clean(block.to_python(data))
    assert "answer" in str(refused.value.as_json_data())


def test_faq_without_questions_is_refused(db):
    block = FaqBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"heading": "FAQ", "items": []}))


# --- video ----------------------------------------------------------------------------------


def test_video_iframe_is_named_by_the_title_and_the_transcript_is_offered(embeds):
    html = render(
        VideoBlock(),
        {
            "title": "How our phonics network works",
            "video": YOUTUBE,
            "transcript": "<p>Welcome to the phonics network.</p>",
        },
    )
    assert re.search(r'<iframe[^>]* title="How our phonics network works"', html)
    assert "YouTube video player" not in html  # the provider's vague title is replaced
    assert "<details" in html and "Welcome to the phonics network." in html


def test_video_without_a_title_is_refused(embeds):
    block = VideoBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "", "video": VIMEO, "transcript": ""}))


def test_a_video_stored_as_a_bare_url_still_loads(embeds):
    """Before titles, the body's video block held just the URL."""
    stream = BodyBlock().to_python([{"type": "video", "value": VIMEO, "id": "a"}])
    assert stream[0].value["video"].url == VIMEO
    assert 'title="Video"' in stream[0].render()


def test_titled_iframes_replaces_any_title_and_escapes_the_new_one():
    html = titled_iframes("<iframe title='x' src=\"https://v\"></iframe>", 'A "quoted" <title>')
    assert html == ('<iframe title="A &quot;quoted&quot; &lt;title&gt;" src="https://v"></iframe>')


def test_youtube_and_vimeo_frames_are_allowed_by_the_public_csp(client, demo, embeds):
    home = HomePage.objects.get()
    home.body = [
        ("video", {"title": "YouTube clip", "video": YOUTUBE, "transcript": ""}),
        ("video", {"title": "Vimeo clip", "video": VIMEO, "transcript": ""}),
    ]
    home.save_revision().publish()
    response = client.get("/")
    frame_src = next(
        part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.split() and part.split()[0] == "frame-src"
    )
    frames = re.findall(r'<iframe[^>]* src="(https://[^/"]+)', response.content.decode())
    assert len(frames) == 2
    for origin in frames:
        assert origin in frame_src, f"{origin} is blocked by frame-src {frame_src}"


def test_editors_get_every_block_in_the_page_editor(client, demo):
    from accounts.models import User

    client.force_login(User.objects.get(email="editor@example.gov.uk"))
    home = HomePage.objects.get()
    response = client.get(f"/admin/pages/{home.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Course list", "Testimonial", "FAQ", "Video", "Call to action"):
        assert label in html
    # The demo home page's own testimonial and FAQ load back into the editor.
    assert "Priya Shah" in html and "Questions schools ask" in html
