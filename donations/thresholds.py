"""Progress thresholds: the first time a need's received total reaches 25, 50, 75 and 100 % of
its goal, recorded once as a ProgressThreshold and its line on the project's timeline.

Called inside the transactions that add what arrived (donations/services.py reception_record,
payments/transitions.py when Stripe confirms a card payment), after the reception is created and
while the project's row is locked. Each threshold reached is announced through
donations.hooks.threshold_reached, which publishing turns into a line of the timeline.
"""

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, F

from core import cache_versions
from donations import hooks
from donations.models import NeedTotals, ProgressThreshold

PERCENT_OUTPUT = DecimalField(max_digits=20, decimal_places=6)


def need_received_percent(need):
    """The need's received total as a percentage of its goal (not capped), from its stored totals
    (refreshed by the calling write before it asks)."""
    return (
        NeedTotals.objects.filter(need=need.pk, need__target_quantity__gt=0)
        # Multiplying before dividing: on SQLite a division of two whole numbers is whole.
        .annotate(
            percent=ExpressionWrapper(F("received") * 100 / F("need__target_quantity"), output_field=PERCENT_OUTPUT)
        )
        .values_list("percent", flat=True)
        .first()
    )


def record_thresholds(*, project, need):
    """Record each threshold (25, 50, 75, 100 %) the need has reached and not yet recorded, with
    what the hook threshold_reached does with it (its timeline entry). Returns the thresholds
    recorded now (usually none).

    Guarantees:
    - Exactly once per (need, percent): the database's unique constraint decides, not the
      check before it. Each insert runs in its own savepoint, so when a concurrent transaction
      committed the same threshold first, the IntegrityError rolls back only that insert (and
      what the hook wrote with it) while the reception that called us goes through.
    - Nothing missed under concurrent receptions, because the caller holds the project's row
      lock: receptions on a project add up one transaction after the other, and each sees the
      receptions committed before it when it sums (READ COMMITTED: every statement takes a new
      snapshot, and ours runs after the lock was granted).
    - A threshold once reached stays reached: a card refund that takes the need back below it
      withdraws nothing, and reaching it again later records nothing new. The timeline tells
      what happened, in order; the progress bar tells where the need stands now.
    """
    percent = need_received_percent(need)
    if percent is None:
        return []
    reached = [value for value in ProgressThreshold.PERCENTS if percent >= value]
    if not reached:
        return []
    known = set(ProgressThreshold.objects.filter(need=need, percent__in=reached).values_list("percent", flat=True))
    recorded = []
    for value in reached:
        if value in known:
            continue
        try:
            with transaction.atomic():
                threshold = ProgressThreshold.objects.create(project_id=project.pk, need_id=need.pk, percent=value)
                hooks.threshold_reached(threshold=threshold)
        except IntegrityError:
            # Another transaction recorded it first; anything else is a real error.
            if not ProgressThreshold.objects.filter(need_id=need.pk, percent=value).exists():
                raise
            continue
        recorded.append(threshold)
    if recorded:
        # A line on the project's timeline: its page's frame changes, not only its progress.
        cache_versions.project_changed(project)
    return recorded
