from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from accounts import hooks
        from moderation import privacy

        hooks.member_data_requested.connect(privacy.member_data)
