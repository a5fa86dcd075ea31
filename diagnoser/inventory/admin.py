from django.contrib import admin

from diagnoser.inventory import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0


@admin.register(models.Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    inlines = [MembershipInline]


class EnvironmentInline(admin.TabularInline):
    model = models.Environment
    extra = 0
    fields = ["name", "base_url", "is_production", "probe_policy", "cors_origin"]


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace"]
    inlines = [EnvironmentInline]


class SecretHeaderInline(admin.TabularInline):
    """Names and masked values only: a secret is replaced, never shown back."""

    model = models.SecretHeader
    extra = 0
    fields = ["name", "masked"]
    readonly_fields = ["name", "masked"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["service", "name", "base_url", "is_production", "probe_policy"]
    inlines = [SecretHeaderInline]


@admin.register(models.Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["service", "path", "policy_override"]
