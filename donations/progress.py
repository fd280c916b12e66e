"""Progress: its definition, summed in the database from pledges and receptions, and its reading
from the stored totals (NeedTotals, ProjectTotals) that donations/totals.py keeps equal to it.

Pages, API, feeds, badge, card, report and thresholds read the stored totals (needs_with_progress,
projects_with_progress): one joined row per need or project, whatever the number of pledges. The
sums below stay the definition: totals.py writes them into the totals in the transaction of every
write that changes them, and `manage.py verify_totals` compares the two.

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
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from donations.models import QUANTITY_FIELD, CardRefund, Need, NeedTotals, Pledge, Reception
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


def summed_need_progress(outer_ref="pk"):
    """The definition of a need's pledged, received and supporters, as annotations correlated
    with the need's id at `outer_ref` (a Need queryset's "pk", a NeedTotals queryset's "need_id")."""
    of_need = Q(need=OuterRef(outer_ref))
    return {
        "pledged": _pledged_sum(of_need, "need"),
        "received": _net_received(of_need, "need"),
        "supporters": _supporters(of_need, "need"),
    }


def needs_with_summed_progress(queryset=None):
    """Needs annotated with pledged, received, missing and supporters summed from their rows: the
    definition that the stored totals are checked against (verify_totals)."""
    queryset = Need.objects.all() if queryset is None else queryset
    return queryset.annotate(**summed_need_progress()).annotate(
        missing=Greatest(
            ExpressionWrapper(F("target_quantity") - F("pledged"), output_field=QUANTITY_OUTPUT),
            ZERO,
            output_field=QUANTITY_OUTPUT,
        )
    )


def project_progress_annotations(outer_ref="pk"):
    """The definition of a project's cash goal, pledged, received and supporters, as annotations
    correlated with the project's id at `outer_ref` (a Project queryset's "pk", a ProjectTotals
    queryset's "project_id")."""
    cash_of_project = Q(need__project=OuterRef(outer_ref), need__kind=Need.Kind.CASH)
    return {
        "cash_target": _sum_subquery(
            Need.objects.filter(project=OuterRef(outer_ref), kind=Need.Kind.CASH), "project", "target_quantity"
        ),
        "cash_pledged": _pledged_sum(cash_of_project, "need__project"),
        "cash_received": _net_received(cash_of_project, "need__project"),
        "supporters": _supporters(Q(need__project=OuterRef(outer_ref)), "need__project"),
    }


def _stored(path, zero=ZERO):
    """A stored total through a join; a need or project whose totals row is not written yet (no
    write has touched it) has nothing pledged or received."""
    return Coalesce(F(path), zero, output_field=zero.output_field)


def needs_with_progress(queryset=None):
    """Needs annotated with pledged, received, missing and supporters, read from their stored
    totals (one join, whatever the number of pledges)."""
    queryset = Need.objects.all() if queryset is None else queryset
    return queryset.annotate(
        pledged=_stored("totals__pledged"),
        received=_stored("totals__received"),
        supporters=_stored("totals__supporters", Value(0, output_field=IntegerField())),
        # A need nobody has touched yet misses its whole goal.
        missing=Coalesce(F("totals__missing"), F("target_quantity"), output_field=QUANTITY_OUTPUT),
    )


def stored_project_progress():
    """A Project queryset's annotations of cash goal, pledged, received, missing and supporters,
    read from its stored totals."""
    return {
        "cash_target": _stored("totals__cash_target"),
        "cash_pledged": _stored("totals__cash_pledged"),
        "cash_received": _stored("totals__cash_received"),
        "cash_missing": _stored("totals__cash_missing"),
        "supporters": _stored("totals__supporters", Value(0, output_field=IntegerField())),
    }


def pledge_received(pledge):
    """What arrived for one pledge, net of card refunds, summed in the database."""
    received = Reception.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    refunded = CardRefund.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]
    return received - refunded


# Shares are percentages (0 to 100). Multiplying before dividing keeps them meaningful on
# SQLite, whose division of two whole numbers is a whole number.
SHARE_OUTPUT = DecimalField(max_digits=12, decimal_places=6)

HUNDRED = Value(Decimal("100"), output_field=SHARE_OUTPUT)

NONE = Value(Decimal("0"), output_field=SHARE_OUTPUT)


def _capped_percent(part, whole):
    return Least(
        ExpressionWrapper(F(part) * 100 / F(whole), output_field=SHARE_OUTPUT), HUNDRED, output_field=SHARE_OUTPUT
    )


def _material_percent(field, outer_ref):
    """The mean over a project's material needs of each need's stored percentage (pledged or
    received): a read over the project's few needs' totals, never over its pledges."""
    needs = (
        NeedTotals.objects.filter(need__project=OuterRef(outer_ref), need__kind=Need.Kind.MATERIAL)
        .annotate(percent=_capped_percent(field, "need__target_quantity"))
        .order_by()
        .values("need__project")
        .annotate(mean=Avg("percent", output_field=SHARE_OUTPUT))
        .values("mean")
    )
    return Coalesce(Subquery(needs, output_field=SHARE_OUTPUT), NONE, output_field=SHARE_OUTPUT)


def bar_percent_annotations(outer_ref="project_id"):
    """The two percentages of a project's bar, from its stored totals (columns cash_target,
    cash_pledged, cash_received of the queryset annotated: ProjectTotals itself, correlated with
    the project's id at `outer_ref`).

    The bar follows the cash goal when the project has one; a project asking only for
    material shows the mean of its needs' percentages (units cannot be added up)."""
    return {
        f"{field}_percent": Case(
            When(cash_target__gt=0, then=_capped_percent(f"cash_{field}", "cash_target")),
            default=_material_percent(field, outer_ref),
            output_field=SHARE_OUTPUT,
        )
        for field in ("pledged", "received")
    }


def projects_with_progress(queryset=None):
    """Projects annotated with cash progress, supporters, and the two percentages of the list's
    bar (bar_percent_annotations), all read from the stored totals: one join."""
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.annotate(
        **stored_project_progress(),
        pledged_percent=_stored("totals__pledged_percent", NONE),
        received_percent=_stored("totals__received_percent", NONE),
    )


def with_needs(projects):
    """Projects (a queryset) with their needs and each need's progress, in one more query."""
    return projects.prefetch_related(
        Prefetch("needs", queryset=needs_with_progress(Need.objects.all()).order_by("position", "id"))
    )
