"""Presentation helpers for the renovation pages: the colour of a status tag."""

from django import template

register = template.Library()

_CSS = {
    "in_progress": "ok",
    "permitted": "ok",
    "approved": "ok",
    "closed": "",
    "refunded": "",
    "stopped": "danger",
    "rejected": "danger",
    "changes_requested": "warn",
    "engineering_review": "warn",
    "manager_review": "warn",
    "submitted": "warn",
    "completion_requested": "warn",
    # patrols and violations
    "ok": "ok",
    "pending": "warn",
    "missed": "danger",
    "violation": "danger",
    "open": "danger",
    "rectifying": "warn",
    "rectified": "ok",
    "escalated": "danger",
}


@register.filter
def status_css(value: str | None) -> str:
    return _CSS.get(value or "", "")
