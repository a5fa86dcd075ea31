"""Small display helpers: probe ages and status-code classes."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age(moment: datetime | None) -> str:
    """ "3 min ago": coarse on purpose; the exact time goes in a title attribute."""
    if moment is None:
        return "never"
    seconds = int((timezone.now() - moment).total_seconds())
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


@register.filter
def status_class(status: int | None) -> str:
    """CSS class for a status code; 405 has its own because it is what we diagnose."""
    if status is None:
        return "sfail"
    if status == 405:
        return "s405"
    return f"s{min(max(status // 100, 2), 5)}xx"
