"""How the backlog's figures read on a page."""

from django import template

from backlog import dashboards

register = template.Library()


@register.simple_tag
def split(rows, show_points: bool = False) -> str:
    """The split of planned points against the policy's targets (backlog.dashboards)."""
    return dashboards.split_html(rows, show_points=show_points)
