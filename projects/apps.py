from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Communities and projects")

    def ready(self):
        from accounts import hooks
        from projects import privacy

        hooks.member_data_requested.connect(privacy.member_data)
        hooks.member_erasing.connect(privacy.member_erase)
