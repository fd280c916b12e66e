from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = _("Needs and pledges")

    def ready(self):
        from accounts import hooks as account_hooks
        from donations import privacy, search, services
        from projects import hooks

        hooks.project_moving.connect(services.refuse_review_without_needs)
        hooks.project_cancelled.connect(services.pledges_cancel_for_project)
        hooks.currency_changing.connect(services.refuse_currency_change_once_pledged)
        hooks.project_edited.connect(search.refresh_project_search)
        account_hooks.member_data_requested.connect(privacy.member_data)
        account_hooks.member_erasing.connect(privacy.member_erase)
