"""Template helpers for the ticket pages. The option lists of the list filters are rendered here
in one pass: the list is the busiest page of the desk, and a template loop with a comparison per
option costs more than the rows themselves."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def options(choices, selected="", blank=""):
    """<option> elements for (value, label) pairs; `selected` is a value or a list of values."""
    chosen = {str(v) for v in selected} if isinstance(selected, list | tuple) else {str(selected)}
    head = format_html('<option value="">{}</option>', blank) if blank else ""
    return head + format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) in chosen else "", label) for value, label in choices),
    )
