"""Log in, log out and switch workspace."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from diagnoser.access import SESSION_WORKSPACE, member_workspaces


@require_POST
@login_required
def workspace_switch(request: HttpRequest) -> HttpResponse:
    try:
        workspace_id = int(request.POST.get("workspace", ""))
    except ValueError:
        raise Http404 from None
    workspace = member_workspaces(request.user).filter(id=workspace_id).first()
    if workspace is None:
        raise Http404
    request.session[SESSION_WORKSPACE] = workspace.id
    messages.info(request, f"Switched to workspace {workspace.name}.")
    return redirect("web:overview")
