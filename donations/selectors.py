"""Progress, summed in the database from pledges and receptions. Never stored, never typed.

Definitions (the same on every page, in the API and in the tests):
- *received* for a need: the sum of its receptions, less the card refunds given back on it
  (receptions are never edited: a refund is a row of its own, CardRefund).
- *pledged* for a need: what its pledges account for. A standing pledge counts for what was
  promised, or for what arrived when more arrived (over-delivery); a cancelled pledge counts
  only for what had arrived before it was cancelled, and a refunded (or partly refunded) card
  pledge only for what it brought (Pledge.SETTLED_AT_RECEIVED_STATUSES). Card refunds are then
  taken off: a pledge counts for max(promised or 0 once settled, arrived) − refunded.
  Refunds are subtracted once per need rather than per pledge (the same sum, and a shallower
  query: SQLite refuses expressions nested much deeper than the project list's).
- *missing*: the goal less pledged, never below zero.
For a project, the same over its cash needs (one currency per project), plus the number of
distinct supporters (donors of pledges that still stand: neither cancelled nor refunded).
"""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from donations.models import QUANTITY_FIELD, CardRefund, Need, Pledge, Reception
from donations.receipt_models import Receipt

ZERO = Value(Decimal("0"), output_field=DecimalField(**QUANTITY_FIELD))
QUANTITY_OUTPUT = DecimalField(**QUANTITY_FIELD)


def _sum_subquery(queryset, group_by, expression):
    """A correlated subquery returning SUM(expression) of `queryset`, or 0 when it has no rows."""
    summed = queryset.order_by().values(group_by).annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(summed, output_field=QUANTITY_OUTPUT), ZERO, output_field=QUANTITY_OUTPUT)


class _Minus(Func):
    """a − b. On SQLite, without the CAST(… AS NUMERIC) Django wraps around every decimal
    expression: the project list's query is already close to the depth SQLite's parser accepts,
    and each operand is a sum cast on its own."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = QUANTITY_OUTPUT

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, **extra_context)


def _net_received(row_filter, group_by):
    """Σ receptions − Σ card refunds over the rows matching `row_filter`, in SQL."""
    return _Minus(
        _sum_subquery(Reception.objects.filter(row_filter), group_by, "quantity"),
        _sum_subquery(CardRefund.objects.filter(row_filter), group_by, "quantity"),
    )


def received_per_pledge():
    return _net_received(Q(pledge=OuterRef("pk")), "pledge")


def received_per_need():
    """A need's received (receptions less card refunds), for annotating a Need queryset."""
    return _net_received(Q(need=OuterRef("pk")), "need")


def _counted_before_refunds():
    """max(promised, arrived) for a pledge still expected to bring its promise; what arrived
    for one that is settled (cancelled, refunded). Needs the `arrived` annotation."""
    return Greatest(
        Case(When(status__in=Pledge.SETTLED_AT_RECEIVED_STATUSES, then=ZERO), default=F("quantity")),
        F("arrived"),
        output_field=QUANTITY_OUTPUT,
    )


def pledges_with_received(queryset=None):
    """Pledges annotated with `received` (their receptions less their card refunds) and `counted`
    (what they count for in their need's pledged total)."""
    queryset = Pledge.objects.all() if queryset is None else queryset
    return queryset.annotate(
        arrived=_sum_subquery(Reception.objects.filter(pledge=OuterRef("pk")), "pledge", "quantity"),
        refunded=_sum_subquery(CardRefund.objects.filter(pledge=OuterRef("pk")), "pledge", "quantity"),
    ).annotate(
        received=ExpressionWrapper(F("arrived") - F("refunded"), output_field=QUANTITY_OUTPUT),
        counted=ExpressionWrapper(_counted_before_refunds() - F("refunded"), output_field=QUANTITY_OUTPUT),
    )


def _pledged_sum(pledge_filter, group_by):
    """Σ counted over the pledges matching `pledge_filter` (written on Pledge fields; CardRefund
    has the same `need` path)."""
    pledges = Pledge.objects.filter(pledge_filter).annotate(
        arrived=_sum_subquery(Reception.objects.filter(pledge=OuterRef("pk")), "pledge", "quantity")
    )
    return _Minus(
        _sum_subquery(pledges, group_by, _counted_before_refunds()),
        _sum_subquery(CardRefund.objects.filter(pledge_filter), group_by, "quantity"),
    )


def needs_with_progress(queryset=None):
    """Needs annotated with pledged, received, missing and supporters, in one query."""
    queryset = Need.objects.all() if queryset is None else queryset
    return queryset.annotate(
        pledged=_pledged_sum(Q(need=OuterRef("pk")), "need"),
        received=_net_received(Q(need=OuterRef("pk")), "need"),
        supporters=Coalesce(
            Subquery(
                Pledge.objects.filter(need=OuterRef("pk"))
                .exclude(status__in=Pledge.WITHDRAWN_STATUSES)
                .order_by()
                .values("need")
                .annotate(count=Count("donor", distinct=True))
                .values("count")
            ),
            0,
        ),
    ).annotate(
        missing=Greatest(
            ExpressionWrapper(F("target_quantity") - F("pledged"), output_field=QUANTITY_OUTPUT),
            ZERO,
            output_field=QUANTITY_OUTPUT,
        )
    )


def project_progress_annotations():
    """Annotations for a Project queryset: cash goal, pledged, received, missing, supporters."""
    cash_of_project = Q(need__project=OuterRef("pk"), need__kind=Need.Kind.CASH)
    return {
        "cash_target": _sum_subquery(
            Need.objects.filter(project=OuterRef("pk"), kind=Need.Kind.CASH), "project", "target_quantity"
        ),
        "cash_pledged": _pledged_sum(cash_of_project, "need__project"),
        "cash_received": _net_received(cash_of_project, "need__project"),
        "supporters": Coalesce(
            Subquery(
                Pledge.objects.filter(need__project=OuterRef("pk"))
                .exclude(status__in=Pledge.WITHDRAWN_STATUSES)
                .order_by()
                .values("need__project")
                .annotate(count=Count("donor", distinct=True))
                .values("count")
            ),
            0,
        ),
    }


def pledge_received(pledge):
    """What arrived for one pledge, net of card refunds, summed in the database."""
    received = Reception.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    refunded = CardRefund.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    return received - refunded


def donor_pledges(*, donor):
    """A donor's own pledges, anonymous ones included, with what arrived, latest first."""
    return (
        pledges_with_received(Pledge.objects.filter(donor=donor))
        .select_related("donor", "need", "need__project")
        .order_by("-created_at", "-id")
    )


def filter_pledges(queryset, *, status=None, need_id=None, channel=None):
    """The pledge filters shared by the lead dashboard and the API (empty values ignored)."""
    if status:
        queryset = queryset.filter(status=status)
    if need_id:
        queryset = queryset.filter(need_id=need_id)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset


def pledges_visible(*, visible_filter, project_slug=None, status=None, need_id=None, channel=None):
    """Pledges matching a visibility filter (projects.permissions.pledges_visible_filter), with
    what arrived, their donors, needs and projects."""
    queryset = Pledge.objects.filter(visible_filter)
    if project_slug:
        queryset = queryset.filter(need__project__slug=project_slug)
    queryset = filter_pledges(queryset, status=status, need_id=need_id, channel=channel)
    return (
        pledges_with_received(queryset)
        .select_related("donor", "need", "need__project", "need__project__community")
        .order_by("-created_at", "-id")
    )


def receptions_visible(*, visible_filter, project_slug=None, pledge_id=None):
    """Receptions of the pledges matching a visibility filter, with their pledge, need and project."""
    queryset = Reception.objects.filter(pledge__in=Pledge.objects.filter(visible_filter).values("pk"))
    if project_slug:
        queryset = queryset.filter(need__project__slug=project_slug)
    if pledge_id:
        queryset = queryset.filter(pledge_id=pledge_id)
    return queryset.select_related("need", "need__project", "pledge").order_by("-recorded_at", "-id")


def donor_receipts(*, donor):
    """A donor's receipts, valid and void, latest first, with their issuers."""
    return Receipt.objects.filter(donor=donor).select_related("issuer").order_by("-issued_at", "-id")
