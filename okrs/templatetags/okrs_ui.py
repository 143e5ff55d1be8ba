"""How OKR numbers read on a page."""

from django import template

from okrs import charts, rules

register = template.Library()


@register.filter
def number(value) -> str:
    """1200.0000 -> '1,200'; 12.5000 -> '12.5'."""
    return charts.number(value)


@register.filter
def kr_value(value, key_result) -> str:
    """A key result's value as people say it: '12 %', '1,200 EUR', 'Yes', '3 milestones'."""
    if value is None:
        return "—"
    if key_result.metric_kind == "boolean":
        return "Yes" if value >= 1 else "No"
    if key_result.metric_kind == "milestone" and not key_result.unit:
        return f"{charts.number(value)} milestone{'' if value == 1 else 's'}"
    return charts.with_unit(value, key_result.unit)


@register.filter
def with_unit(value, unit) -> str:
    return charts.with_unit(value, unit or "")


@register.filter
def grade(value) -> str:
    """A grade as the scale people use: 0.7."""
    return "—" if value is None else f"{float(value):.1f}"


@register.simple_tag
def health_rule() -> str:
    return rules.HEALTH_RULE


@register.simple_tag
def okr_progress(value, expected=None, label: str = "") -> str:
    """An objective's or key result's progress, with the ideal line's marker (charts)."""
    return charts.okr_progress_html(value, expected, label)


@register.simple_tag
def confidence(confidence, band=None, of_objective: bool = False) -> str:
    """The latest confidence out of 10, or 'no check-in' (charts)."""
    return charts.confidence_html(confidence, band, of_objective)


@register.simple_tag
def health(health) -> str:
    """On track, at risk, off track or not measured, the rule on hover (charts)."""
    return charts.health_html(health)
