"""What a team registers: services, their environments and endpoints, probe secrets."""

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Manager

from diagnoser.inventory import crypto
from diagnoser.inventory.fields import EncryptedTextField
from diagnoser.probing.model import PLAIN_METHODS, ProbePolicy

_Archivable = TypeVar("_Archivable", bound=models.Model)


class LiveManager(models.Manager[_Archivable]):
    """What is not archived. The default manager of services, environments, endpoints and
    drift checks, so the overview, scheduling, drift, status and the related managers
    (service.environments) leave archived things out without each saying so; the
    `all_objects` manager reaches them (restore, delete, name clashes)."""

    def get_queryset(self) -> models.QuerySet[_Archivable]:
        return super().get_queryset().filter(archived_at__isnull=True)


class Workspace(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        MEMBER = "member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


# Every target is probed this often unless its service or environment says otherwise.
DEFAULT_PROBE_EVERY = 15 * 60
# Beat looks for due targets once a minute, so a shorter interval could not be kept; a
# day is the longest so a target's last run stays within what the scheduler reads back.
MIN_PROBE_EVERY = 60
MAX_PROBE_EVERY = 86400


class Service(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=100)
    # Seconds between scheduled probes of each of its targets (monitoring/services/
    # probe_schedules.py); paused: none at all, though "Probe now" still works.
    probe_every = models.PositiveIntegerField(default=DEFAULT_PROBE_EVERY)
    probing_paused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the service's OpenAPI document was last imported from by URL: re-fetched on
    # beat's schedule so the endpoints' contracts follow the document.
    openapi_url = models.URLField(max_length=500, blank=True)
    # Archived: kept with its history but out of every list, schedule and check. Archiving
    # a service stamps its environments and endpoints with the same time, so restoring it
    # brings back exactly those (monitoring/services/archive.py).
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = LiveManager()
    all_objects: Manager["Service"] = Manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="service_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


POLICY_CHOICES = [(p.value, p.value) for p in ProbePolicy]
METHOD_CHOICES = PLAIN_METHODS


class Environment(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=50)
    base_url = models.URLField(max_length=500)
    is_production = models.BooleanField(default=False)
    # "safe" unless someone opts in to "full" (DESIGN.md "Probing safely").
    probe_policy = models.CharField(
        max_length=10, choices=POLICY_CHOICES, default=ProbePolicy.SAFE.value
    )
    cors_origin = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # null: the service's interval. A production environment may be probed less often.
    probe_every = models.PositiveIntegerField(null=True, blank=True)
    probing_paused = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = LiveManager()
    all_objects: Manager["Environment"] = Manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="environment_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.service.name}/{self.name}"


class SecretHeader(models.Model):
    """A request header sent with every probe of an environment (Authorization, API keys)."""

    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="secret_headers"
    )
    name = models.CharField(max_length=100)
    value = EncryptedTextField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "name"], name="secret_header_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.masked()}"

    def masked(self) -> str:
        return crypto.masked(self.value)


class Endpoint(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="endpoints")
    # Path template such as /users/{id}; samples fill it with values that name no real object.
    path = models.CharField(max_length=500)
    samples = models.JSONField(default=dict, blank=True)
    # "" means "the environment's policy".
    policy_override = models.CharField(max_length=10, choices=POLICY_CHOICES, blank=True)
    # What the team believes the endpoint accepts; shown beside what probes observe.
    declared_methods = models.JSONField(default=list, blank=True)
    # Where declared_methods came from: "" when typed in, else the OpenAPI document's
    # title, version and spec version ("Shop API 1.4 (OpenAPI 3.1)").
    contract_source = models.CharField(max_length=300, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = LiveManager()
    all_objects: Manager["Endpoint"] = Manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["service", "path"], name="endpoint_unique_path")
        ]

    def __str__(self) -> str:
        return f"{self.service.name} {self.path}"


class ApiToken(models.Model):
    """A key for the HTTP API (docs/api.md), acting as its user in one workspace.

    Only the key's SHA-256 is kept: the key is shown once, when it is made. A key is
    random (256 bits), so a plain hash cannot be reversed or guessed; no slow hash needed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, to tell keys apart in lists and logs.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ContractChange(models.Model):
    """A re-imported document changed this path's declared methods (contract drift)."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="contract_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300)  # the document that made the change
    added = models.JSONField(default=list)
    removed = models.JSONField(default=list)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint}: +{self.added} -{self.removed}"
