"""`{{ amount|money }}`: 12,345.60. Put it in a `num` cell or block (static/css/app.css) so that
amounts line up on the right."""

from django import template

from servicecenter.money import format_money

register = template.Library()


@register.filter(name="money")
def money(value) -> str:
    try:
        return format_money(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
