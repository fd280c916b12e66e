"""Flags and the moderation audit in the admin (superusers only, core/admin_site.py): read-only.
Decisions are taken in the communities' queues, through the services, so each leaves its row."""

from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin
from moderation.models import Flag, ModerationAction


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("kind", "target_id", "community", "reporter", "reason", "state", "created_at")
    list_filter = ("kind", "reason", "state")
    list_select_related = ("community", "reporter")
    raw_id_fields = ("reporter", "project", "update", "pledge", "profile", "community", "decided_by")
    date_hierarchy = "created_at"


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ("at", "community", "actor", "action", "target")
    list_filter = ("action",)
    list_select_related = ("community", "actor")
    raw_id_fields = ("community", "actor")
    search_fields = ("target",)
