"""Needs, pledges and what arrived, in the admin.

A pledge's amount and status move only through the services (pledge_create, reception_record,
pledge_cancel), which leave a PledgeEvent behind; receptions and events are the audit trail and
are read-only for everybody here. A moderator may still correct a pledge's visibility or its
message (the donor's words, shown publicly).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import cache_versions
from core.read_only_admin import ReadOnlyAdmin, ReadOnlyInline
from donations.models import CardRefund, Need, Pledge, PledgeEvent, Reception
from donations.progress import needs_with_progress, pledges_with_received
from donations.search import refresh_project_search
from projects.admin import ProjectAdmin
from projects.models import Project


class NeedProgressColumns:
    """A need's progress as columns, for an admin whose queryset is needs_with_progress."""

    @admin.display(description=_("pledged"), ordering="pledged")
    def pledged(self, need):
        return need.pledged

    @admin.display(description=_("received"), ordering="received")
    def received(self, need):
        return need.received

    @admin.display(description=_("missing"), ordering="missing")
    def missing(self, need):
        return need.missing


@admin.register(Need)
class NeedAdmin(NeedProgressColumns, admin.ModelAdmin):
    list_display = ("label", "project", "kind", "goal", "pledged", "received", "missing", "status")
    list_filter = ("kind", "whole_units", "status", "project__community")
    search_fields = ("label", "project__title")
    list_select_related = ("project",)
    fields = (
        "project",
        "kind",
        "label",
        "unit",
        "whole_units",
        "target_quantity",
        "estimated_unit_value",
        "position",
        "status",
        "created_at",
    )
    # Donors pledged against what was asked: only the wording and the order may be corrected.
    readonly_fields = tuple(name for name in fields if name not in ("label", "position"))

    def get_queryset(self, request):
        return needs_with_progress(super().get_queryset(request))

    def has_add_permission(self, request):
        # Needs are added by the project's leads on the site (need_create checks the rules).
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A corrected wording shows in the API at once, and the search finds it.
        refresh_project_search(obj.project)
        cache_versions.project_changed(obj.project)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("goal"), ordering="target_quantity")
    def goal(self, need):
        return f"{need.target_quantity} {need.unit_label}"


class PledgeEventInline(ReadOnlyInline):
    model = PledgeEvent
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ReceptionInline(ReadOnlyInline):
    model = Reception
    fk_name = "pledge"
    fields = ("received_on", "quantity", "note", "recorded_by", "recorded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ("need", "donor", "amount", "received", "status", "channel", "visibility", "created_at")
    list_filter = ("status", "channel", "visibility", "need__kind", "need__project__community")
    search_fields = ("donor__handle",)
    list_select_related = ("need__project", "donor")
    date_hierarchy = "created_at"
    fields = (
        "need",
        "donor",
        "quantity",
        "received",
        "status",
        "cancellation_reason",
        "channel",
        "visibility",
        "message",
        "created_at",
    )
    # What was promised, by whom, and where it stands are facts of the audit trail: a moderator
    # corrects only the pledge's visibility and the donor's message (shown publicly).
    readonly_fields = tuple(name for name in fields if name not in ("visibility", "message"))
    inlines = [ReceptionInline, PledgeEventInline]

    def get_queryset(self, request):
        return pledges_with_received(super().get_queryset(request))

    def has_add_permission(self, request):
        # Donors pledge on the site (pledge_create), where the rules are checked.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("quantity or amount"), ordering="quantity")
    def amount(self, pledge):
        return f"{pledge.quantity} {pledge.need.unit_label}"

    @admin.display(description=_("received"), ordering="received")
    def received(self, pledge):
        return pledge.received


@admin.register(PledgeEvent)
class PledgeEventAdmin(ReadOnlyAdmin):
    list_display = ("pledge", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    search_fields = ("pledge__donor__handle", "actor__handle")
    list_select_related = ("pledge__need__project", "actor")
    date_hierarchy = "at"


@admin.register(Reception)
class ReceptionAdmin(ReadOnlyAdmin):
    list_display = ("pledge", "need", "quantity", "received_on", "recorded_by", "recorded_at")
    list_filter = ("received_on", "need__kind", "need__project__community")
    search_fields = ("pledge__donor__handle", "need__label", "need__project__title")
    list_select_related = ("pledge__need__project", "need__project", "recorded_by")
    date_hierarchy = "received_on"


@admin.register(CardRefund)
class CardRefundAdmin(ReadOnlyAdmin):
    list_display = ("pk", "pledge", "quantity", "note", "recorded_at")
    search_fields = ("note", "pledge__donor__handle")
    list_select_related = ("pledge__need__project",)


class NeedInline(NeedProgressColumns, admin.TabularInline):
    """A project's needs with their progress. Wording and order may be corrected; what was asked
    for (kind, goal, unit) may not, since donors pledged against it."""

    model = Need
    fields = (
        "position",
        "label",
        "kind",
        "unit",
        "whole_units",
        "target_quantity",
        "pledged",
        "received",
        "missing",
        "status",
    )
    readonly_fields = ("kind", "unit", "whole_units", "target_quantity", "pledged", "received", "missing", "status")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return needs_with_progress(super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        # Needs are added by the project's leads on the site (need_create checks the rules).
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The project's page in the admin shows its needs with their progress. ProjectAdmin lives in
# projects/admin.py, which cannot know needs (they are donations'): registered again here, with
# the needs inline first (the admin loads apps in INSTALLED_APPS order, projects before donations).
admin.site.unregister(Project)


@admin.register(Project)
class ProjectWithNeedsAdmin(ProjectAdmin):
    inlines = [NeedInline, *ProjectAdmin.inlines]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A corrected title, place or need's wording: the search finds the project by it at once
        # (ProjectAdmin.save_model has changed the lists' versions, on this transaction's commit).
        refresh_project_search(form.instance)
