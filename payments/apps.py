from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Card payments")

    def ready(self):
        from accounts import hooks as account_hooks
        from donations import hooks
        from payments import privacy
        from payments.money import check_card_amount

        hooks.card_pledge_checked.connect(check_card_amount)
        account_hooks.member_data_requested.connect(privacy.member_data)
