"""What projects publish, in the admin: expenses are public accounts and read-only here."""

from django.contrib import admin

from core.read_only_admin import ReadOnlyAdmin
from publishing.models import Expense


@admin.register(Expense)
class ExpenseAdmin(ReadOnlyAdmin):
    """Expenses are public accounts: corrected by a reversing entry (publishing/expenses.py), never
    edited or deleted, here neither."""

    list_display = ("spent_on", "project", "description", "supplier", "amount", "currency", "reverses", "recorded_by")
    list_filter = ("currency",)
    search_fields = ("project__title", "description", "supplier")
    list_select_related = ("project", "reverses", "recorded_by")
    date_hierarchy = "spent_on"
