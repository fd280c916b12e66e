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
    Avg,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from donations.models import QUANTITY_FIELD, CardRefund, Need, Pledge, Reception
from projects.models import Project

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


def _supporters(pledge_filter, group_by):
    """The number of distinct donors of the standing pledges matching `pledge_filter`, or 0."""
    donors = (
        Pledge.objects.filter(pledge_filter)
        .exclude(status__in=Pledge.WITHDRAWN_STATUSES)
        .order_by()
        .values(group_by)
        .annotate(count=Count("donor", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(donors), 0)


def needs_with_progress(queryset=None):
    """Needs annotated with pledged, received, missing and supporters, in one query."""
    queryset = Need.objects.all() if queryset is None else queryset
    return queryset.annotate(
        pledged=_pledged_sum(Q(need=OuterRef("pk")), "need"),
        received=_net_received(Q(need=OuterRef("pk")), "need"),
        supporters=_supporters(Q(need=OuterRef("pk")), "need"),
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
        "supporters": _supporters(Q(need__project=OuterRef("pk")), "need__project"),
    }


def pledge_received(pledge):
    """What arrived for one pledge, net of card refunds, summed in the database."""
    received = Reception.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    refunded = CardRefund.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    return received - refunded


# Shares are percentages (0 to 100). Multiplying before dividing keeps them meaningful on
# SQLite, whose division of two whole numbers is a whole number.
SHARE_OUTPUT = DecimalField(max_digits=12, decimal_places=6)

AMOUNT_OUTPUT = DecimalField(max_digits=14, decimal_places=2)

HUNDRED = Value(Decimal("100"), output_field=SHARE_OUTPUT)

NONE = Value(Decimal("0"), output_field=SHARE_OUTPUT)


def _capped_percent(part, whole):
    return Least(
        ExpressionWrapper(F(part) * 100 / F(whole), output_field=SHARE_OUTPUT), HUNDRED, output_field=SHARE_OUTPUT
    )


def _material_percent(field):
    """The mean over a project's material needs of each need's percentage (pledged or received)."""
    needs = (
        needs_with_progress(Need.objects.filter(project=OuterRef("pk"), kind=Need.Kind.MATERIAL))
        .annotate(percent=_capped_percent(field, "target_quantity"))
        .order_by()
        .values("project")
        .annotate(mean=Avg("percent", output_field=SHARE_OUTPUT))
        .values("mean")
    )
    return Coalesce(Subquery(needs, output_field=SHARE_OUTPUT), NONE, output_field=SHARE_OUTPUT)


def projects_with_progress(queryset=None):
    """Projects annotated with cash progress, supporters, and two percentages for the list's bar.

    The bar follows the cash goal when the project has one; a project asking only for
    material shows the mean of its needs' percentages (units cannot be added up).
    """
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.annotate(**project_progress_annotations()).annotate(
        cash_missing=Greatest(
            ExpressionWrapper(F("cash_target") - F("cash_pledged"), output_field=AMOUNT_OUTPUT),
            Value(Decimal("0"), output_field=AMOUNT_OUTPUT),
            output_field=AMOUNT_OUTPUT,
        ),
        pledged_percent=Case(
            When(cash_target__gt=0, then=_capped_percent("cash_pledged", "cash_target")),
            default=_material_percent("pledged"),
            output_field=SHARE_OUTPUT,
        ),
        received_percent=Case(
            When(cash_target__gt=0, then=_capped_percent("cash_received", "cash_target")),
            default=_material_percent("received"),
            output_field=SHARE_OUTPUT,
        ),
    )


def with_needs(projects):
    """Projects (a queryset) with their needs and each need's progress, in one more query."""
    return projects.prefetch_related(
        Prefetch("needs", queryset=needs_with_progress(Need.objects.all()).order_by("position", "id"))
    )
