"""Admin bases for audit trails: rows that services write and nobody edits, here neither."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """An audit trail shown on its parent's page: never added to, edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """An append-only table: rows are written by services, never in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
