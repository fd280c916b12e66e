from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = _("Milestones, updates and expenses")

    def ready(self):
        from accounts import hooks as account_hooks
        from donations import hooks as donation_hooks
        from projects import hooks as project_hooks
        from publishing import expenses, privacy, timeline

        donation_hooks.threshold_reached.connect(timeline.threshold_entry_record)
        project_hooks.currency_changing.connect(expenses.refuse_currency_change_once_spent)
        account_hooks.member_data_requested.connect(privacy.member_data)
        account_hooks.member_erasing.connect(privacy.member_erase)
