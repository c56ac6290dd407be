from django import template

from reports import charts
from reports.tables import display

register = template.Library()


@register.inclusion_tag("reports/admin/chart.html")
def report_chart(chart, result):
    """An SVG chart of one column of one of the report's tables."""
    return {
        "chart": charts.draw(chart, result.table(chart.table)),
        "label_x": charts.LABEL_WIDTH - 8,
        "bar_height": charts.BAR_HEIGHT,
    }


@register.filter
def cell(pair):
    """A (value, kind) table cell as printed."""
    value, kind = pair
    return display(value, kind)


@register.simple_tag
def cell_of(value, kind):
    return display(value, kind)
