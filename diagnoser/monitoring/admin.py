from django.contrib import admin

from diagnoser.monitoring.models import DriftCheck, DriftReport, ProbeRun, WebhookDelivery


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "environment", "trigger", "state", "queued_at", "attempt"]
    list_filter = ["state", "trigger"]
    raw_id_fields = ["endpoint", "environment", "observation"]


@admin.register(DriftCheck)
class DriftCheckAdmin(admin.ModelAdmin):
    """Schedules are edited here and synced to beat by the service, not in PeriodicTask."""

    list_display = ["name", "service", "every_seconds", "crontab", "enabled"]
    readonly_fields = ["periodic_task"]

    def save_related(self, request, form, formsets, change) -> None:
        from diagnoser.monitoring.services.drift_schedules import drift_check_schedule_sync

        super().save_related(request, form, formsets, change)
        drift_check_schedule_sync(check=form.instance)


@admin.register(DriftReport)
class DriftReportAdmin(admin.ModelAdmin):
    list_display = ["id", "drift_check", "state", "drift_present", "created_at"]
    list_filter = ["state", "drift_present"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["report", "event", "attempt", "ok", "status_code", "created_at"]
