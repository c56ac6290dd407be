"""Site pages other than the catalogue: an enquiry form page (a Wagtail form builder page) with
the fields an editor gives it, and the news index."""

from home.models import FormField, FormPage, NewsIndexPage

from . import courses

ENQUIRY_FIELDS = [
    # label, field type, choices
    ("Your name", "singleline", ""),
    ("Email address", "email", ""),
    ("Which strand is closest to what you need?", "dropdown", "Teaching,Leadership,Inclusion"),
    ("What support do you need?", "multiline", ""),
]


def enquiry_form(slug="bespoke-support", *, fields=ENQUIRY_FIELDS, **page_fields):
    """A published form page under the home page that emails the CPD team, every field
    required."""
    page_fields.setdefault("title", "Ask about bespoke support")
    page = FormPage(
        slug=slug,
        intro="<p>Tell us what you need.</p>",
        thank_you_text="<p>Thank you for your enquiry.</p>",
        to_address="cpd@example.gov.uk",
        from_address="noreply@example.gov.uk",
        subject="New enquiry from the CPD website",
        **page_fields,
    )
    courses.home().add_child(instance=page)
    for order, (label, field_type, choices) in enumerate(fields):
        FormField.objects.create(
            page=page,
            sort_order=order,
            label=label,
            field_type=field_type,
            required=True,
            choices=choices,
        )
    return courses.publish(page)


def news_index():
    """The news index under the home page (one per site), published; found when made."""
    page = NewsIndexPage.objects.first()
    if page is None:
        page = NewsIndexPage(title="News", slug="news", intro="News from the CPD team.")
        courses.home().add_child(instance=page)
        courses.publish(page)
    return page
