"""Communities and projects in the admin, for the site's operators (superusers only: see
core/admin_site.py; moderators moderate on the site).

The admin corrects descriptions and appoints moderators; it never moves a project through its
lifecycle by editing a field. Status moves go through `project_transition` (the admin actions
below call it), so each one leaves its audit row; the audit rows themselves are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import cache_versions, uploads
from core.errors import DomainError
from core.read_only_admin import ReadOnlyAdmin, ReadOnlyInline
from projects.models import Community, Membership, Project, ProjectTransition
from projects.services import project_transition


class ModeratorForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("member", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row added here appoints a moderator, which is what this inline is for.
        if self.instance.pk is None:
            self.initial["role"] = Membership.Role.MODERATOR


class ModeratorInline(admin.TabularInline):
    """The community's moderators. All memberships (possibly thousands) are under Memberships."""

    model = Membership
    form = ModeratorForm
    fields = ("member", "role", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("member",)
    extra = 0
    verbose_name = _("moderator")
    verbose_name_plural = _("moderators")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=Membership.Role.MODERATOR).select_related("member")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "hashtag", "member_count", "project_count", "created_at")
    search_fields = ("name", "slug", "hashtag")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ModeratorInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                project_count=Count("projects", distinct=True),
            )
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, community):
        return community.member_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A corrected name or hashtag shows in every project's API entry at once.
        cache_versions.community_changed()

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, community):
        return community.project_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("member", "community", "role", "joined_at")
    list_filter = ("role", "community")
    search_fields = ("member__handle", "community__name")
    autocomplete_fields = ("member", "community")
    list_select_related = ("member", "community")

    # A community's page shows its number of members and its moderators; a membership moved to
    # another community changes both communities' pages.
    def save_model(self, request, obj, form, change):
        before = Membership.objects.select_related("community").get(pk=obj.pk).community if change else None
        super().save_model(request, obj, form, change)
        for community in {before, obj.community} - {None}:
            cache_versions.community_members_changed(community)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache_versions.community_members_changed(obj.community)

    def delete_queryset(self, request, queryset):
        communities = list(Community.objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for community in communities:
            cache_versions.community_members_changed(community)


class ProjectTransitionInline(ReadOnlyInline):
    model = ProjectTransition
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _move_projects(modeladmin, request, queryset, to_status, note):
    """Move each selected project through project_transition, reporting refusals one by one."""
    moved = 0
    for project in queryset:
        try:
            project_transition(project=project, actor=request.user, to_status=to_status, note=note)
        except DomainError as error:
            modeladmin.message_user(
                request, _("%(project)s: %(error)s") % {"project": project, "error": error.message}, messages.ERROR
            )
        else:
            moved += 1
    if moved:
        modeladmin.message_user(
            request,
            ngettext("%(count)d project moved.", "%(count)d projects moved.", moved) % {"count": moved},
            messages.SUCCESS,
        )


class ProjectAdminForm(forms.ModelForm):
    def clean_cover_image(self):
        # A cover replaced here is stripped of its EXIF (GPS) as on the site (projects/uploads.py).
        cover = self.cleaned_data.get("cover_image")
        if "cover_image" in self.changed_data and uploads.is_new_upload(cover):
            try:
                return uploads.process_cover(cover)
            except DomainError as error:
                raise forms.ValidationError(error.message) from None
        return cover


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = ("title", "community", "status", "country", "category", "created_at")
    list_filter = ("status", "community", "category", "country")
    search_fields = ("title", "village", "region", "hashtag")
    list_select_related = ("community",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("leads",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "community", "status", "cancellation_reason", "leads")}),
        (_("Description"), {"fields": ("summary", "story", "category", "cover_image", "hashtag", "deadline")}),
        (_("Place"), {"fields": ("village", "region", "country", "latitude", "longitude")}),
        (_("Record"), {"fields": ("currency", "created_by", "created_at", "opened_at")}),
    )
    # Status moves through the actions (project_transition); the currency is what pledges are in.
    readonly_fields = (
        "slug",
        "community",
        "status",
        "cancellation_reason",
        "currency",
        "created_by",
        "created_at",
        "opened_at",
    )
    # donations/admin.py adds the needs, with their progress, before these.
    inlines = [ProjectTransitionInline]
    actions = ["approve", "send_back_to_draft"]

    def has_add_permission(self, request):
        # A project is proposed on the site, by the member who will lead it (project_create_draft).
        return False

    def save_model(self, request, obj, form, change):
        # A corrected country or category moves it between filtered lists: those it leaves change too.
        was_on = cache_versions.lists_of(Project.objects.select_related("community").get(pk=obj.pk)) if change else ()
        super().save_model(request, obj, form, change)
        # Corrections (and its needs' wording, saved with it) show in the API and pages at once.
        cache_versions.project_changed(obj, was_on=was_on)

    def has_delete_permission(self, request, obj=None):
        # Projects are cancelled, with a reason donors read, never deleted.
        return False

    @admin.action(description=_("Approve: open the selected projects in review"), permissions=["change"])
    def approve(self, request, queryset):
        _move_projects(self, request, queryset, Project.Status.OPEN, str(_("Approved in the admin.")))

    @admin.action(description=_("Send the selected projects back to draft"), permissions=["change"])
    def send_back_to_draft(self, request, queryset):
        _move_projects(self, request, queryset, Project.Status.DRAFT, str(_("Sent back to draft in the admin.")))


@admin.register(ProjectTransition)
class ProjectTransitionAdmin(ReadOnlyAdmin):
    list_display = ("project", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    search_fields = ("project__title", "actor__handle")
    list_select_related = ("project", "actor")
    date_hierarchy = "at"
