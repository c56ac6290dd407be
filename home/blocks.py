"""StreamField blocks shared by every page type."""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False)
    link_page = blocks.PageChooserBlock(required=False)
    link_url = blocks.URLBlock(required=False)
    link_text = blocks.CharBlock(max_length=60, default="Find out more")

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=150)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        form_classname="title", icon="title", template="blocks/heading.html", max_length=150
    )
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]
    )
    image = ImageBlock(template="blocks/image.html")
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    video = EmbedBlock(
        help_text="A YouTube or Vimeo link. Add captions on the video itself.",
        template="blocks/video.html",
    )
