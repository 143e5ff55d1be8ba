"""How strategy reads on a page."""

from django import template

from planning import markup

register = template.Library()


@register.simple_tag
def tradeoffs(trade_offs) -> str:
    """What a strategic objective says it will not do (planning.markup)."""
    return markup.tradeoffs_html(trade_offs)
