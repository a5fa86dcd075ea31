"""The API's endpoints. Each reads through the selectors and writes through the services
the pages use, so an API call and a click do the same thing under the same limits."""

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, Throttled
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnoser.contracts.errors import ContractInvalid
from diagnoser.inventory.contract_import import ContractImport
from diagnoser.inventory.services import endpoint_create
from diagnoser.monitoring.as_code import InventoryError, import_inventory
from diagnoser.monitoring.models import ProbeRun
from diagnoser.monitoring.selectors import endpoint_latest_runs, target_statuses
from diagnoser.monitoring.services.contracts import (
    contract_import_text,
    contract_import_url,
)
from diagnoser.sharing.selectors import run_document
from diagnoser.web.api.loaders import (
    token_endpoint,
    token_of,
    token_run,
    token_service,
    token_services,
)
from diagnoser.web.pages.probe import NotQueued, endpoint_probe_now
from diagnoser.web.setup.probing import save_and_probe


class BrokerDown(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The broker is unavailable: start Redis (or the worker's broker), then retry."


def _bad_request(error: ValidationError) -> BadRequest:
    detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
    return BadRequest(detail)


def _run_json(run: ProbeRun, *, with_diagnosis: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "endpoint": run.endpoint.path,
        "endpoint_id": run.endpoint_id,
        "environment": run.environment.name,
        "state": run.state,
        "trigger": run.trigger,
        "queued_at": run.queued_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "failure_reason": run.failure_reason or None,
    }
    if with_diagnosis:
        data["diagnosis"] = run_document(run=run) if run.observation_id else None
    return data


RUN = inline_serializer(
    "Run",
    {
        "id": serializers.IntegerField(),
        "endpoint": serializers.CharField(),
        "endpoint_id": serializers.IntegerField(),
        "environment": serializers.CharField(),
        "state": serializers.ChoiceField(choices=ProbeRun.State.values),
        "trigger": serializers.CharField(),
        "queued_at": serializers.DateTimeField(),
        "finished_at": serializers.DateTimeField(allow_null=True),
        "failure_reason": serializers.CharField(allow_null=True),
        "diagnosis": serializers.JSONField(
            allow_null=True,
            help_text="The diagnosis document (docs/json-output.md); null until done.",
        ),
    },
)


class Services(APIView):
    @extend_schema(
        summary="The token's workspace: services, their environments and endpoints",
        responses=inline_serializer(
            "Service",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "environments": serializers.JSONField(),
                "endpoints": serializers.JSONField(),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        services = token_services(request).prefetch_related("environments", "endpoints")
        return Response(
            [
                {
                    "id": service.id,
                    "name": service.name,
                    "environments": [
                        {
                            "id": env.id,
                            "name": env.name,
                            "base_url": env.base_url,
                            "policy": env.probe_policy,
                        }
                        for env in service.environments.all()
                    ],
                    "endpoints": [{"id": e.id, "path": e.path} for e in service.endpoints.all()],
                }
                for service in services
            ]
        )


class Targets(APIView):
    @extend_schema(
        summary="Every target's last probe, worst finding and drift (as `manage.py status`)",
        responses=inline_serializer(
            "Target",
            {
                "service": serializers.CharField(),
                "environment": serializers.CharField(),
                "endpoint": serializers.CharField(),
                "url": serializers.CharField(),
                "last_probed_at": serializers.DateTimeField(allow_null=True),
                "worst": serializers.CharField(allow_null=True, help_text="a rule id"),
                "drift": serializers.BooleanField(),
            },
            many=True,
        ),
    )
    def get(self, request: Request) -> Response:
        statuses = target_statuses(services=list(token_services(request)))
        return Response([s.as_json() for s in statuses])


class Endpoints(APIView):
    @extend_schema(
        summary="Register an endpoint; it is probed in every environment at once",
        request=inline_serializer(
            "NewEndpoint",
            {
                "path": serializers.CharField(help_text="a path template: /users/{id}"),
                "samples": serializers.DictField(child=serializers.CharField(), required=False),
                "declared_methods": serializers.ListField(
                    child=serializers.CharField(), required=False
                ),
            },
        ),
        responses={
            201: inline_serializer(
                "RegisteredEndpoint",
                {
                    "id": serializers.IntegerField(),
                    "path": serializers.CharField(),
                    "probing": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request, service_id: int) -> Response:
        service = token_service(request, service_id)
        body = request.data if isinstance(request.data, dict) else {}
        samples, declared = body.get("samples") or {}, body.get("declared_methods") or []
        if not isinstance(samples, dict) or not isinstance(declared, list):
            raise BadRequest({"detail": "samples is an object, declared_methods a list."})
        try:
            endpoint, probing = save_and_probe(
                lambda: endpoint_create(
                    service=service,
                    path=str(body.get("path", "")),
                    samples=samples,
                    declared_methods=[str(m) for m in declared],
                ),
                endpoints=lambda saved: [saved],
            )
        except ValidationError as error:
            raise _bad_request(error) from None
        return Response(
            {"id": endpoint.id, "path": endpoint.path, "probing": probing},
            status=status.HTTP_201_CREATED,
        )


class Inventory(APIView):
    @extend_schema(
        summary="Import an inventory YAML document (docs/inventory.md) into the workspace",
        request=inline_serializer(
            "InventoryImport",
            {
                "document": serializers.CharField(help_text="the YAML text"),
                "prune": serializers.BooleanField(required=False, default=False),
            },
        ),
        responses={
            200: inline_serializer(
                "InventoryImported",
                {
                    "created": serializers.ListField(child=serializers.CharField()),
                    "updated": serializers.ListField(child=serializers.CharField()),
                    "deleted": serializers.ListField(child=serializers.CharField()),
                    "probes_queued": serializers.IntegerField(),
                    "probes_deferred": serializers.CharField(
                        allow_null=True, help_text="why probing waits for the schedule"
                    ),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        text = body.get("document")
        if not isinstance(text, str):
            raise BadRequest({"document": "Send the YAML text as a string."})
        try:
            summary = import_inventory(
                text,
                workspace_name=token_of(request).workspace.name,
                source="the document",
                prune=bool(body.get("prune", False)),
            )
        except InventoryError as error:
            raise BadRequest({"document": str(error)}) from None
        return Response(
            {
                "created": summary.created,
                "updated": summary.updated,
                "deleted": summary.deleted,
                "probes_queued": summary.probes_queued,
                "probes_deferred": summary.probes_deferred or None,
            }
        )


class OpenAPIImport(APIView):
    @extend_schema(
        summary="Import an OpenAPI or Swagger document into a service (as its page's upload)",
        description="Paths become endpoints, declared methods their contracts; all or "
        "nothing. A URL is fetched through the probe guard and fetched again on schedule. "
        "A broken document answers 400 with each error at its JSON pointer.",
        request=inline_serializer(
            "OpenAPIImport",
            {
                "document": serializers.CharField(
                    required=False, help_text="the document's text, JSON or YAML"
                ),
                "url": serializers.URLField(required=False, help_text="or where to fetch it"),
                "map_servers": serializers.BooleanField(
                    required=False, default=False, help_text="create an environment per server"
                ),
            },
        ),
        responses={
            200: inline_serializer(
                "OpenAPIImported",
                {
                    "source": serializers.CharField(help_text="the document's title and version"),
                    "created": serializers.ListField(child=serializers.CharField()),
                    "changed": serializers.JSONField(
                        help_text='[{"path", "added", "removed"}]: contracts this import changed'
                    ),
                    "unchanged": serializers.IntegerField(),
                    "environments": serializers.ListField(child=serializers.CharField()),
                    "probes_deferred": serializers.CharField(
                        allow_null=True, help_text="why probing waits for the schedule"
                    ),
                },
            ),
            400: inline_serializer(
                "OpenAPIErrors",
                {"errors": serializers.JSONField(help_text='[{"pointer", "message"}]')},
            ),
        },
    )
    def post(self, request: Request, service_id: int) -> Response:
        service = token_service(request, service_id)
        body = request.data if isinstance(request.data, dict) else {}
        text, url = (body.get(key) for key in ("document", "url"))
        text, url = (value if isinstance(value, str) else "" for value in (text, url))
        if bool(text) == bool(url):
            raise BadRequest(
                {"detail": 'Send the document\'s text as "document", or its URL as "url".'}
            )
        map_servers = bool(body.get("map_servers", False))
        try:
            if url:
                result = contract_import_url(service=service, url=url, map_servers=map_servers)
            else:
                result = contract_import_text(service=service, text=text, map_servers=map_servers)
        except ContractInvalid as error:
            raise BadRequest(
                {"errors": [{"pointer": e.pointer, "message": e.message} for e in error.errors]}
            ) from None
        return Response(_imported_json(result))


def _imported_json(result: ContractImport) -> dict[str, Any]:
    return {
        "source": result.source,
        "created": [e.path for e in result.created],
        "changed": [
            {"path": c.endpoint.path, "added": c.added, "removed": c.removed}
            for c in result.changes
        ],
        "unchanged": result.unchanged,
        "environments": result.environments,
        "probes_deferred": result.probes_deferred or None,
    }


class Probe(APIView):
    @extend_schema(
        summary="Probe an endpoint now in every environment; poll each run for its result",
        request=None,
        responses={202: RUN},
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        # The page's Probe now, under the same limits (charged to the token's user).
        queued = endpoint_probe_now(request._request, token_endpoint(request, endpoint_id))
        if isinstance(queued, NotQueued):
            if queued.broker_down:
                raise BrokerDown
            if queued.retry_after is not None:
                raise Throttled(wait=queued.retry_after, detail=queued.message)
            raise BadRequest({"detail": queued.message})
        return Response([_run_json(run) for run in queued], status=status.HTTP_202_ACCEPTED)


class Run(APIView):
    @extend_schema(summary="A probe run: its state, then its diagnosis", responses=RUN)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(_run_json(token_run(request, run_id), with_diagnosis=True))


class Diagnosis(APIView):
    @extend_schema(
        summary="An endpoint's latest diagnosis in each environment",
        parameters=[OpenApiParameter("endpoint_id", int, OpenApiParameter.PATH)],
        responses=RUN,
    )
    def get(self, request: Request, endpoint_id: int) -> Response:
        runs = endpoint_latest_runs(endpoint=token_endpoint(request, endpoint_id))
        return Response([_run_json(run, with_diagnosis=True) for run in runs])
