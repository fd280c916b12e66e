"""The Django admin, for the site's operators (superusers) only.

Moderators moderate on the site, in their community's queue (/c/<slug>/moderate/), where every
action is confined to that community and leaves an audit row. The admin cannot be confined
that way without re-checking every page, filter, autocomplete and inline against the
moderator's communities (an outside review found a moderator could set any member's password,
make themselves moderator elsewhere and read anonymous donors there): so nobody but a superuser
gets in. Staff status and groups, without superuser status, open nothing.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class SuperuserAdminConfig(AdminConfig):
    default_site = "core.admin_site.SuperuserAdminSite"
