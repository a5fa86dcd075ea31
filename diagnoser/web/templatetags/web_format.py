"""Small display helpers: probe ages, status-code classes, code spans in fix texts."""

import re
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from diagnoser.presentation.failures import describe as describe_failure
from diagnoser.presentation.verdicts import status_class as presentation_status_class
from diagnoser.presentation.verdicts import verdict_legend

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


# A stored failure reason as a headline with the raw text behind a toggle
# (presentation/_failure.html draws it).
register.filter("as_failure", describe_failure)

# A bare status code that is no probe's answer (a webhook delivery).
register.filter("status_class", presentation_status_class)

# The one legend of verdict colours (presentation/_legend.html).
register.simple_tag(verdict_legend, name="verdict_legend")


_CODE_SPAN = re.compile(r"`([^`]+)`")


@register.filter
def code_spans(text: str) -> SafeString:
    """Fix texts quote headers, config lines and calls in backticks, as Markdown does:
    show those as <code>. Every piece of text is escaped; only the <code> tags are markup."""
    pieces = _CODE_SPAN.split(text)  # text, code, text, code, ..., text
    return format_html_join(
        "",
        "{}",
        (
            (format_html("<code>{}</code>", piece) if i % 2 else piece,)
            for i, piece in enumerate(pieces)
        ),
    )
