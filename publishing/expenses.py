"""Expenses: what a project spent from what it collected, and the balance anyone can check.

An expense is never edited or deleted. A mistake is corrected by a reversing entry (the same
amount, negative, pointing at the entry it reverses) and, when there is a right version, a new
entry. So the sum of all entries is always what was really spent, and the list shows every
change. `Expense.reverses` is one-to-one: an entry is reversed at most once, by the database.

Figures, per currency (a project collects in one currency; expenses copy it when recorded):
- collected: the cash received on the project's cash needs, as everywhere else
  (donations/progress.py: receptions less card refunds);
- spent: the sum of the expenses, reversals included;
- balance: collected − spent (negative when leads advanced money).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache_versions, uploads
from core.currencies import decimal_places
from core.errors import DomainError, NotAllowed
from core.formatting import NotANumber, parse_typed
from donations.progress import stored_project_progress
from projects.models import Project
from publishing.limits import EXPENSES_PER_PROJECT_MAX
from publishing.models import AMOUNT_FIELD, Expense, TimelineEntry
from publishing.permissions import can_publish

AMOUNT_OUTPUT = DecimalField(**AMOUNT_FIELD)
# The largest amount the column holds (14 digits, 2 decimals), and far above any real expense.
AMOUNT_MAX = Decimal("999999999999.99")
DESCRIPTION_MAX = Expense._meta.get_field("description").max_length
SUPPLIER_MAX = Expense._meta.get_field("supplier").max_length

# "Keep what the corrected entry said": distinct from None, which for `need` means "no need".
UNCHANGED = object()


# --- Reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spending:
    currency: str
    collected: Decimal
    spent: Decimal

    @property
    def balance(self):
        return self.collected - self.spent


def spending_annotations():
    """For a Project queryset: `cash_spent`, the sum of its expenses in its own currency (one
    subquery). With `cash_received` (projects_with_progress) it gives the project page's figures
    without a query of its own."""
    spent = (
        Expense.objects.filter(project=OuterRef("pk"), currency=OuterRef("currency"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return {
        "cash_spent": Coalesce(
            Subquery(spent, output_field=AMOUNT_OUTPUT), Value(Decimal("0"), output_field=AMOUNT_OUTPUT)
        )
    }


def project_spending(project):
    """Collected, spent and balance per currency, the project's own currency first.

    A project annotated by `publishing.selectors.project_detail` (cash_received and cash_spent)
    costs no query: its expenses are all in its currency, because the currency cannot change
    once there are expenses or pledges (refuse_currency_change_once_spent and its twin in
    donations). Otherwise two queries: the collected figure, and the expenses summed per currency.
    """
    if hasattr(project, "cash_received") and hasattr(project, "cash_spent"):
        return [Spending(project.currency, project.cash_received or Decimal(0), project.cash_spent or Decimal(0))]
    collected = (
        Project.objects.filter(pk=project.pk)
        .annotate(collected=stored_project_progress()["cash_received"])
        .values_list("collected", flat=True)
        .get()
    )
    spent = dict(
        Expense.objects.filter(project=project)
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    currencies = [project.currency, *sorted(currency for currency in spent if currency != project.currency)]
    return [
        Spending(
            currency,
            (collected or Decimal(0)) if currency == project.currency else Decimal(0),
            spent.get(currency) or Decimal(0),
        )
        for currency in currencies
    ]


def project_expenses(project):
    """A project's expenses, newest first, each with its need, the entry it reverses and the
    entry that reversed it (both one-to-one, joined): a page costs one query."""
    return Expense.objects.filter(project=project).select_related("need", "reverses", "reversed_by")


# --- Writes -----------------------------------------------------------------------------------


def refuse_currency_change_once_spent(*, project):
    """Expenses copy the project's currency (projects.hooks.currency_changing): keeping it fixed
    once something is spent keeps collected − spent in one currency."""
    if Expense.objects.filter(project=project).exists():
        raise DomainError(_("The currency cannot change once something has been pledged or spent."), field="currency")


def _clean_text(value, *, field, max_length, required):
    text = " ".join((value or "").split())
    if required and not text:
        messages = {
            "description": _("Say what was bought or paid for."),
            "reason": _("Say why this expense is corrected."),
        }
        raise DomainError(messages.get(field, _("This field is required.")), field=field)
    if len(text) > max_length:
        raise DomainError(
            _("At most %(count)d characters, please.") % {"count": max_length}, field=field, code="too_long"
        )
    return text


def _clean_amount(value, currency):
    # Read as every typed number is (core/formatting.py): Decimal("１２") or Decimal("1_000") would
    # take what a member never meant as a number.
    try:
        amount = parse_typed(value)
    except NotANumber as error:
        message = error.message if error.code == "digits" else _("Enter an amount.")
        raise DomainError(message, field="amount") from None
    if amount <= 0:
        raise DomainError(_("Enter an amount greater than zero."), field="amount")
    if amount > AMOUNT_MAX:
        raise DomainError(_("This amount is too large to record."), field="amount")
    places = decimal_places(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise DomainError(
                _("Enter a whole amount (%(currency)s has no cents).") % {"currency": currency}, field="amount"
            )
        raise DomainError(_("Enter at most %(places)d decimals.") % {"places": places}, field="amount")
    return amount


def _clean_date(value):
    if value is None:
        raise DomainError(_("Say when the money was spent."), field="spent_on")
    if value > timezone.localdate():
        raise DomainError(_("The date of an expense cannot be in the future."), field="spent_on")
    return value


def _clean_need(need, project):
    if need is None:
        return None
    if need.project_id != project.pk:
        raise DomainError(_("This need belongs to another project."), field="need")
    return need


def _refuse_beyond_the_limit(project):
    """Under the project's lock: entries that are not reversals (recorded expenses and the
    corrected versions that replace them) number at most EXPENSES_PER_PROJECT_MAX. A correction
    without a replacement is always possible: each entry is reversed at most once."""
    if Expense.objects.filter(project=project, reverses__isnull=True).count() >= EXPENSES_PER_PROJECT_MAX:
        raise DomainError(
            _("A project records at most %(count)d expenses.") % {"count": EXPENSES_PER_PROJECT_MAX},
            code="too_many",
        )


def _add(*, project, actor, at, **fields):
    expense = Expense.objects.create(project=project, recorded_by=actor, recorded_at=at, **fields)
    # On the timeline when it was recorded: a late receipt appears as news, not buried in the past.
    TimelineEntry.objects.create(project=project, kind=TimelineEntry.Kind.EXPENSE, expense=expense, at=at)
    return expense


@transaction.atomic
def expense_record(*, project, actor, description, supplier, amount, spent_on, need=None, scan=None):
    """A lead records money spent, in the project's currency, dated today or earlier.

    Guarantees: only leads record (NotAllowed); amount > 0 with the currency's decimals; the need
    is one of the project's; a scan is a real image (re-encoded without EXIF) or a PDF. The entry
    appears on the timeline at the moment it was recorded.
    """
    project = Project.objects.lock(project.pk)
    if not can_publish(actor, project):
        raise NotAllowed(_("Only the project's leads may record expenses."))
    _refuse_beyond_the_limit(project)
    fields = {
        "description": _clean_text(description, field="description", max_length=DESCRIPTION_MAX, required=True),
        "supplier": _clean_text(supplier, field="supplier", max_length=SUPPLIER_MAX, required=False),
        "amount": _clean_amount(amount, project.currency),
        "currency": project.currency,
        "spent_on": _clean_date(spent_on),
        "need": _clean_need(need, project),
    }
    if uploads.is_new_upload(scan):
        fields["scan"] = uploads.process_scan(scan)
    expense = _add(project=project, actor=actor, at=timezone.now(), **fields)
    cache_versions.project_changed(project)
    return expense


@transaction.atomic
def expense_correct(
    *,
    expense,
    actor,
    reason,
    amount=None,
    description=None,
    supplier=None,
    spent_on=None,
    need=UNCHANGED,
    scan=None,
):
    """Correct an expense: a reversing entry (its amount, negative, reason as its text) and, when
    any new value is given, a new entry with the corrected values (the others kept).

    Guarantees: only leads correct (NotAllowed); an entry is reversed at most once, even by two
    leads at the same moment (the project and the entry are locked, and `reverses` is unique:
    the loser gets a DomainError, nothing is written); a reversal itself is not corrected.
    Returns (reversal, replacement or None).
    """
    # Lock order: project, then the expense (as expense_record locks the project).
    project = Project.objects.lock(expense.project_id)
    if not can_publish(actor, project):
        raise NotAllowed(_("Only the project's leads may correct expenses."))
    original = Expense.objects.select_for_update(of=("self",)).select_related("need").get(pk=expense.pk)
    if original.is_reversal:
        raise DomainError(_("This entry is itself a correction: it cannot be corrected."), code="is_reversal")
    if Expense.objects.filter(reverses=original).exists():
        raise DomainError(_("This expense has already been corrected."), code="already_corrected")
    reason = _clean_text(reason, field="reason", max_length=DESCRIPTION_MAX, required=True)

    replace = (
        any(value is not None for value in (amount, description, supplier, spent_on, scan)) or need is not UNCHANGED
    )
    replacement_fields = None
    if replace:
        _refuse_beyond_the_limit(project)
        replacement_fields = {
            "description": _clean_text(
                original.description if description is None else description,
                field="description",
                max_length=DESCRIPTION_MAX,
                required=True,
            ),
            "supplier": _clean_text(
                original.supplier if supplier is None else supplier,
                field="supplier",
                max_length=SUPPLIER_MAX,
                required=False,
            ),
            "amount": _clean_amount(original.amount if amount is None else amount, original.currency),
            "currency": original.currency,
            "spent_on": original.spent_on if spent_on is None else _clean_date(spent_on),
            "need": original.need if need is UNCHANGED else _clean_need(need, project),
            # The supplier's receipt stays with the corrected entry unless a new one is sent.
            "scan": uploads.process_scan(scan) if uploads.is_new_upload(scan) else original.scan.name,
        }

    now = timezone.now()
    try:
        with transaction.atomic():
            reversal = _add(
                project=project,
                actor=actor,
                at=now,
                description=reason,
                supplier=original.supplier,
                amount=-original.amount,
                currency=original.currency,
                # Dated as the entry it cancels, so the two sit side by side in the list.
                spent_on=original.spent_on,
                need=original.need,
                reverses=original,
            )
    except IntegrityError:
        # Only reachable if the lock above was bypassed (raw SQL, another path): the unique
        # `reverses` still refuses a second reversal.
        raise DomainError(_("This expense has already been corrected."), code="already_corrected") from None
    replacement = _add(project=project, actor=actor, at=now, **replacement_fields) if replace else None
    cache_versions.project_changed(project)
    return reversal, replacement
