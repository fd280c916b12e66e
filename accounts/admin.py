"""Members in the admin. The email is private: superusers see it here, and nowhere else shows it.
Only superusers enter the admin (core/admin_site.py)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Member, normalize_handle

# Fields that grant power: a superuser sets them; they open nothing without superuser status.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class HandleFormMixin:
    def clean_handle(self):
        # "@Amine_TW" is accepted as on the sign-up page; the model validates what remains.
        return normalize_handle(self.cleaned_data.get("handle"))


class MemberCreationForm(HandleFormMixin, BaseUserCreationForm):
    """A member created in the admin always gets a password (the handle is the login)."""

    class Meta:
        model = Member
        fields = ("handle", "email")


class MemberChangeForm(HandleFormMixin, UserChangeForm):
    class Meta:
        model = Member
        fields = "__all__"


@admin.register(Member)
class MemberAdmin(UserAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    fieldsets = (
        (None, {"fields": ("handle", "password")}),
        (
            _("Private"),
            {"fields": ("email",), "description": _("Seen by superusers only: never shown on the site or in the API.")},
        ),
        (_("Permissions"), {"fields": ("is_active", *PRIVILEGE_FIELDS)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("handle", "email", "password1", "password2")}),)
    list_display = ("handle", "date_joined", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("handle", "email")
    ordering = ("handle",)
    readonly_fields = ("last_login", "date_joined")
