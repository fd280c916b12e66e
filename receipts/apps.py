from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    name = "receipts"
    verbose_name = _("Receipts")

    def ready(self):
        from accounts import hooks as account_hooks
        from donations import hooks
        from receipts import privacy
        from receipts.services import receipt_issue_for_pledge

        hooks.pledge_received_changed.connect(receipt_issue_for_pledge)
        account_hooks.member_data_requested.connect(privacy.member_data)
        account_hooks.member_erasing.connect(privacy.member_erase)
