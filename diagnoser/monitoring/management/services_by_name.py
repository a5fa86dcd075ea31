"""Finding a service the way a command line names it: by name, in a workspace when the
name is not unique. Every refusal says what to type instead (exit status 2)."""

from django.core.management.base import CommandError
from django.db.models import QuerySet

from diagnoser.inventory.models import Service


def in_workspace(workspace: str | None) -> QuerySet[Service]:
    services = Service.objects.select_related("workspace")
    return services.filter(workspace__name=workspace) if workspace else services


def service_named(name: str, workspace: str | None) -> Service:
    found = list(in_workspace(workspace).filter(name=name))
    if not found:
        where = f" in workspace {workspace!r}" if workspace else ""
        raise CommandError(f"no service named {name!r}{where}", returncode=2)
    if len(found) > 1:
        names = ", ".join(sorted(s.workspace.name for s in found))
        raise CommandError(
            f"{len(found)} services are named {name!r} (workspaces {names}): "
            "say which with --workspace",
            returncode=2,
        )
    return found[0]
