"""The top bar's workspace switcher, rendered by base.html on every page."""

from typing import Any

from django import template

from diagnoser.access import current_workspace, member_workspaces

register = template.Library()


@register.inclusion_tag("web/pages/_workspace_switcher.html", takes_context=True)
def workspace_switcher(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "workspaces": list(member_workspaces(request.user)),
        "current": current_workspace(request),
        "csrf_token": context.get("csrf_token"),
    }
