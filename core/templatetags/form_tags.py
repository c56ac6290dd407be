"""{% load form_tags %}: what the house error summary links to."""

from django import template
from django.forms.widgets import MultiWidget

register = template.Library()


@register.filter
def error_anchor(field):
    """The id a summary link for `field` points at: the input itself, or for a group of
    radios or boxes (which Django labels with a legend, not a label) its first option."""
    if field.id_for_label:
        return field.id_for_label
    if isinstance(field.field.widget, MultiWidget):
        return f"{field.auto_id}_0"
    subwidgets = field.subwidgets
    return (subwidgets[0].id_for_label if subwidgets else "") or field.auto_id
