"""StreamField blocks shared by every page type: home's pages and the catalogue's strand and
course pages. They live with the catalogue, the lowest app whose pages use them; home imports
them from here."""

import re

from django.core.exceptions import ValidationError
from django.utils.html import escape
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock


def labelled(block, label):
    """`block` (a one-line field block placed straight in a StreamField) with its input named
    `label`. Wagtail shows such a block's label as its panel heading but gives the input no
    label (issue 22). Widget attributes are not part of the block's definition, so no
    migration follows."""
    block.field.widget.attrs["aria-label"] = label
    return block


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    link_page = blocks.PageChooserBlock(required=False)
    link_url = blocks.URLBlock(required=False)
    link_text = blocks.CharBlock(
        max_length=60,
        default="Find out more",
        help_text="Say where the link goes, e.g. 'Book a place on a phonics course'.",
    )

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action.html"

    def clean(self, value):
        value = super().clean(value)
        # A call to action with no action, or two, leaves the reader guessing.
        if bool(value["link_page"]) == bool(value["link_url"]):
            raise StructBlockValidationError(
                non_block_errors=[ValidationError("Choose a page or give a web address (one).")]
            )
        return value


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=150)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"


class CourseListBlock(blocks.StructBlock):
    """Course cards, either chosen by hand or picked by a filter, soonest first. Its template
    draws them with the finder's card, found by home's `course_list_results` tag."""

    heading = blocks.CharBlock(max_length=120)
    courses = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="courses.CoursePage"),
        label="Chosen courses",
        help_text="Choose courses to show in this order, or leave empty and use a filter.",
    )
    strand = blocks.PageChooserBlock(page_type="courses.StrandPage", required=False)
    audience = SnippetChooserBlock("courses.Audience", required=False, label="Role")
    phase = SnippetChooserBlock("courses.Phase", required=False)
    max_items = blocks.IntegerBlock(
        min_value=1, max_value=12, default=3, label="Most courses to show (filter)"
    )

    FILTERS = ("strand", "audience", "phase")

    class Meta:
        icon = "list-ul"
        template = "blocks/course_list.html"
        label = "Course list"

    def clean(self, value):
        value = super().clean(value)
        chosen = [page for page in value["courses"] if page]
        filtered = any(value[name] for name in self.FILTERS)
        if chosen and filtered:
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError("Choose courses or set a filter, not both.", code="both")
                ]
            )
        if not chosen and not filtered:
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        "Choose at least one course, or filter by strand, role or phase.",
                        code="empty",
                    )
                ]
            )
        return value


class TestimonialBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    name = blocks.CharBlock(max_length=100)
    role = blocks.CharBlock(
        max_length=150, required=False, label="Role and school", help_text="e.g. SENCo, Oakfield"
    )
    photo = ImageBlock(required=False)

    class Meta:
        icon = "openquote"
        template = "blocks/testimonial.html"


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul", "document-link"])


class FaqBlock(blocks.StructBlock):
    """Questions that open to show their answers: <details>, so it works without JavaScript."""

    heading = blocks.CharBlock(max_length=120, default="Frequently asked questions")
    items = blocks.ListBlock(FaqItemBlock(), min_num=1, label="Questions")

    class Meta:
        icon = "help"
        template = "blocks/faq.html"
        label = "FAQ"


IFRAME_TAG = re.compile(r"<iframe\b[^>]*>", re.IGNORECASE)
TITLE_ATTR = re.compile(r"""\stitle\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def titled_iframes(html, title):
    """The embed's HTML with every iframe named by the editor's title, since screen readers
    announce a frame by its title and providers' own titles are often just 'YouTube video'."""

    def retitle(match):
        tag = TITLE_ATTR.sub("", match.group(0))
        return f'{tag[:7]} title="{escape(title)}"{tag[7:]}'

    return IFRAME_TAG.sub(retitle, html)


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=150, help_text="Names the video for screen readers.")
    video = EmbedBlock(help_text="A YouTube or Vimeo link. Add captions on the video itself.")
    transcript = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link", "ol", "ul"]
    )

    class Meta:
        icon = "media"
        template = "blocks/video.html"

    def to_python(self, value):
        # Before the title and transcript, a video was stored as its bare URL.
        if isinstance(value, str):
            value = {"title": "", "video": value, "transcript": ""}
        return super().to_python(value)

    def bulk_to_python(self, values):
        return super().bulk_to_python(
            [
                {"title": "", "video": v, "transcript": ""} if isinstance(v, str) else v
                for v in values
            ]
        )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        embed = value.get("video")
        html = embed.html if embed else ""
        context["embed_html"] = titled_iframes(html or "", value.get("title") or "Video")
        return context


class BodyBlock(blocks.StreamBlock):
    heading = labelled(
        blocks.CharBlock(
            form_classname="title", icon="title", template="blocks/heading.html", max_length=150
        ),
        "Heading",
    )
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]
    )
    image = ImageBlock(template="blocks/image.html")
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    course_list = CourseListBlock()
    testimonial = TestimonialBlock()
    faq = FaqBlock()
    video = VideoBlock()
