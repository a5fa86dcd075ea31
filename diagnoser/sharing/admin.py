from django.contrib import admin
from django.http import HttpRequest

from diagnoser.sharing.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "workspace", "created_by", "created_at", "expires_at"]
    list_filter = ["kind", "workspace"]
    # The hash and snapshot are the record of what was shared; nobody edits them.
    readonly_fields = ["token_hash", "snapshot", "created_at", "revoked_at", "revoked_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A link made here would have no token anyone could open: use the Share button.
        return False
