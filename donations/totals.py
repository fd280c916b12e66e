"""Stored totals: each need's and each project's progress kept as rows of their own (NeedTotals,
ProjectTotals), so that every page reads progress in one joined row instead of summing pledges,
receptions and card refunds on every request.

How they stay exact:
- They are written here only, by `refresh_project_totals`, called at the end of every write
  that changes progress (pledge, cancellation, reception, card payment, refund, need added or
  edited, project cancelled), inside that write's transaction and while it holds the project's
  row lock. Writes to one project's progress therefore run one after the other, and each one's
  refresh sees every row committed before it plus its own.
- A refresh is not a counter moved by a delta: it recomputes the project's totals from their
  definition (donations/progress.py) in SQL, with UPDATE … SET total = (SELECT SUM …) statements
  over that project's rows only. Nothing is read into Python and written back, so no lost update
  and no drift can come from a write that went wrong half-way: it rolls back with its rows.
- `manage.py verify_totals` compares every stored total with its definition, and with --repair
  writes the definition back (the same refresh) and logs what it changed. It is the check after
  bulk loads and the concurrency tests, and an operator's tool.

The cost of a refresh is that of summing one project's rows, under a lock the write already
holds: milliseconds for the largest project the limits allow (bench/pages.py measures the pages
while pledges land).
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest

from donations.models import QUANTITY_FIELD, CardRefund, Need, NeedTotals, Pledge, ProjectTotals, Reception
from donations.progress import (
    bar_percent_annotations,
    needs_with_summed_progress,
    project_progress_annotations,
    summed_need_progress,
)
from projects.models import Project

logger = logging.getLogger("tiwizi.totals")

QUANTITY_OUTPUT = DecimalField(**QUANTITY_FIELD)
ZERO = Value(Decimal("0"), output_field=QUANTITY_OUTPUT)


def _missing(target):
    return Greatest(ExpressionWrapper(target - F("pledged"), output_field=QUANTITY_OUTPUT), ZERO)


def _refresh(projects):
    """Recompute the totals of the projects matching `projects` (a Project queryset) and of their
    needs, in SQL. Creates the rows of needs and projects that have none yet."""
    need_ids = Need.objects.filter(project__in=projects, totals__isnull=True).values_list("pk", flat=True)
    NeedTotals.objects.bulk_create([NeedTotals(need_id=pk) for pk in need_ids], ignore_conflicts=True)
    project_ids = projects.filter(totals__isnull=True).values_list("pk", flat=True)
    ProjectTotals.objects.bulk_create([ProjectTotals(project_id=pk) for pk in project_ids], ignore_conflicts=True)

    needs = NeedTotals.objects.filter(need__project__in=projects)
    needs.update(**summed_need_progress(outer_ref="need_id"))
    # A second statement: in one UPDATE, "pledged" would still read the value from before it.
    goal = Subquery(Need.objects.filter(pk=OuterRef("need_id")).values("target_quantity"))
    needs.update(missing=_missing(goal))

    totals = ProjectTotals.objects.filter(project__in=projects)
    totals.update(**project_progress_annotations(outer_ref="project_id"))
    totals.update(
        cash_missing=Greatest(
            ExpressionWrapper(F("cash_target") - F("cash_pledged"), output_field=QUANTITY_OUTPUT), ZERO
        )
    )
    # From the totals just written (needs' and the project's): a third statement.
    totals.update(**bar_percent_annotations())


def refresh_project_totals(project):
    """Make the project's stored totals (and its needs') equal to their definition.

    Part of the caller's transaction, which must hold the project's row lock
    (Project.objects.lock): that lock is what orders concurrent writes to one project's progress.
    """
    _refresh(Project.objects.filter(pk=project.pk))


def refresh_all_totals():
    """Every project's totals from their definition: after bulk writes that bypass the services
    (demo, generated load data) and for verify_totals --repair. Not for the request path."""
    _analyze_progress_tables()
    _refresh(Project.objects.all())


def _analyze_progress_tables():
    """After a bulk load PostgreSQL's statistics may still say the tables are empty, and its plan
    for the sums of every project then scans all pledges once per project. Measured on the
    generated data (10 000 projects, 300 000 pledges): still running after 13 minutes without,
    10 s with. ANALYZE reads a sample of each table, our own uncommitted rows included."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table for model in (Project, Need, NeedTotals, ProjectTotals, Pledge, Reception, CardRefund)
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


@dataclass(frozen=True)
class Drift:
    """A stored total that differs from its definition."""

    kind: str  # "need" or "project"
    pk: int
    field: str
    stored: object
    summed: object

    def __str__(self):
        return f"{self.kind} {self.pk}: {self.field} stored {self.stored}, summed {self.summed}"


NEED_FIELDS = ("pledged", "received", "missing", "supporters")
PROJECT_FIELDS = ("cash_target", "cash_pledged", "cash_received", "cash_missing", "supporters")


def _as_stored(value):
    """A summed value as its column would store it (2 decimal places), so that 5 and 5.00 agree."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


def find_drift(*, chunk=2000):
    """Every stored total that differs from its definition (and every missing totals row for a
    need or project that has pledges). Reads in chunks: the definition is summed over all rows."""
    drift = []
    stored_needs = {row.need_id: row for row in NeedTotals.objects.all()}
    for need in needs_with_summed_progress(Need.objects.order_by("pk")).iterator(chunk_size=chunk):
        stored = stored_needs.get(need.pk)
        for field in NEED_FIELDS:
            summed = _as_stored(getattr(need, field))
            # A need without a row reads as nothing pledged, everything missing (progress.py).
            kept = getattr(stored, field) if stored else (need.target_quantity if field == "missing" else 0)
            if kept != summed:
                drift.append(Drift("need", need.pk, field, kept, summed))
    stored_projects = {row.project_id: row for row in ProjectTotals.objects.all()}
    summed_projects = Project.objects.order_by("pk").annotate(**project_progress_annotations())
    for project in summed_projects.iterator(chunk_size=chunk):
        stored = stored_projects.get(project.pk)
        cash_missing = max(project.cash_target - project.cash_pledged, Decimal("0"))
        for field in PROJECT_FIELDS:
            summed = _as_stored(cash_missing if field == "cash_missing" else getattr(project, field))
            kept = getattr(stored, field) if stored else 0
            if kept != summed:
                drift.append(Drift("project", project.pk, field, kept, summed))
    drift += _percent_drift()
    return drift


PERCENT_TOLERANCE = Decimal("0.0001")  # SQLite computes the mean in floating point


def _percent_drift():
    """The bar's percentages are derived from the other totals (checked above): recomputed from
    them with the same expression, they must be what is stored."""
    drift = []
    recomputed = ProjectTotals.objects.order_by("pk").annotate(
        **{f"expected_{name}": expression for name, expression in bar_percent_annotations().items()}
    )
    for totals in recomputed.iterator(chunk_size=2000):
        for field in ("pledged_percent", "received_percent"):
            kept, expected = getattr(totals, field), Decimal(getattr(totals, f"expected_{field}"))
            if abs(kept - expected) > PERCENT_TOLERANCE:
                drift.append(Drift("project", totals.project_id, field, kept, expected.quantize(Decimal("0.000001"))))
    return drift


def repair(drift):
    """Write the definition back into the totals of every project concerned by `drift`, logging
    each stored value that changes. Locks each project's row, as a write would."""
    project_ids = {item.pk for item in drift if item.kind == "project"}
    need_projects = Need.objects.filter(pk__in={item.pk for item in drift if item.kind == "need"})
    project_ids |= set(need_projects.values_list("project_id", flat=True))
    for item in drift:
        logger.warning("repairing totals: %s", item)
    for pk in sorted(project_ids):
        with transaction.atomic():
            project = Project.objects.lock(pk)
            refresh_project_totals(project)
    return sorted(project_ids)
