from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    name = "receipts"
    verbose_name = _("Receipts")

    def ready(self):
        from donations import hooks
        from receipts.services import receipt_issue_for_pledge

        hooks.pledge_received_changed.connect(receipt_issue_for_pledge)
