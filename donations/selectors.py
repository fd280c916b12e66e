"""Progress, summed in the database from pledges and receptions. Never stored, never typed.

Definitions (the same on every page, in the API and in the tests):
- *received* for a need: the sum of its receptions.
- *pledged* for a need: what its pledges account for. A standing pledge counts for what was
  promised, or for what arrived when more arrived (over-delivery); a cancelled pledge counts
  only for what had arrived before it was cancelled.
- *missing*: the goal less pledged, never below zero.
For a project, the same over its cash needs (one currency per project), plus the number of
distinct supporters.
"""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from donations.models import QUANTITY_FIELD, Need, Pledge, Reception

ZERO = Value(Decimal("0"), output_field=DecimalField(**QUANTITY_FIELD))
QUANTITY_OUTPUT = DecimalField(**QUANTITY_FIELD)


def _sum_subquery(queryset, group_by, expression):
    """A correlated subquery returning SUM(expression) of `queryset`, or 0 when it has no rows."""
    summed = queryset.order_by().values(group_by).annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(summed, output_field=QUANTITY_OUTPUT), ZERO, output_field=QUANTITY_OUTPUT)


def received_per_pledge():
    return _sum_subquery(Reception.objects.filter(pledge=OuterRef("pk")), "pledge", "quantity")


def pledges_with_received(queryset=None):
    """Pledges annotated with `received` (sum of their receptions) and `counted` (what they
    count for in their need's pledged total)."""
    queryset = Pledge.objects.all() if queryset is None else queryset
    return queryset.annotate(received=received_per_pledge()).annotate(
        counted=Case(
            When(status=Pledge.Status.CANCELLED, then=F("received")),
            default=Greatest(F("quantity"), F("received")),
            output_field=QUANTITY_OUTPUT,
        )
    )


def _pledged_sum(pledge_filter, group_by):
    pledges = pledges_with_received(Pledge.objects.filter(pledge_filter))
    return _sum_subquery(pledges, group_by, "counted")


def needs_with_progress(queryset=None):
    """Needs annotated with pledged, received, missing and supporters, in one query."""
    queryset = Need.objects.all() if queryset is None else queryset
    return queryset.annotate(
        pledged=_pledged_sum(Q(need=OuterRef("pk")), "need"),
        received=_sum_subquery(Reception.objects.filter(need=OuterRef("pk")), "need", "quantity"),
        supporters=Coalesce(
            Subquery(
                Pledge.objects.filter(need=OuterRef("pk"))
                .exclude(status=Pledge.Status.CANCELLED)
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
        "cash_received": _sum_subquery(Reception.objects.filter(cash_of_project), "need__project", "quantity"),
        "supporters": Coalesce(
            Subquery(
                Pledge.objects.filter(need__project=OuterRef("pk"))
                .exclude(status=Pledge.Status.CANCELLED)
                .order_by()
                .values("need__project")
                .annotate(count=Count("donor", distinct=True))
                .values("count")
            ),
            0,
        ),
    }


def pledge_received(pledge):
    """What arrived for one pledge, summed in the database."""
    return Reception.objects.filter(pledge=pledge).aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]


def donor_pledges(*, donor):
    """A donor's own pledges, anonymous ones included, with what arrived, latest first."""
    return (
        pledges_with_received(Pledge.objects.filter(donor=donor))
        .select_related("donor", "need", "need__project")
        .order_by("-created_at", "-id")
    )


def pledges_visible(*, visible_filter, project_slug=None, status=None, need_id=None, channel=None):
    """Pledges matching a visibility filter (projects.permissions.pledges_visible_filter), with
    what arrived, their donors, needs and projects."""
    queryset = Pledge.objects.filter(visible_filter)
    if project_slug:
        queryset = queryset.filter(need__project__slug=project_slug)
    if status:
        queryset = queryset.filter(status=status)
    if need_id:
        queryset = queryset.filter(need_id=need_id)
    if channel:
        queryset = queryset.filter(channel=channel)
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
