"""Receipt numbers: PREFIX-YEAR-000123 (yearly receipts PREFIX-YEAR-Y000012), one unbroken
sequence per issuer, year and kind, taken from a counter row locked inside the transaction that
issues the receipt: no gap, no duplicate, even when receipts are issued at the same moment (a
rolled-back issue gives its number back)."""

from receipts.models import Receipt, ReceiptCounter


def format_number(issuer, year, kind, sequence):
    if kind == Receipt.Kind.YEARLY:
        return f"{issuer.number_prefix}-{year}-Y{sequence:06d}"
    return f"{issuer.number_prefix}-{year}-{sequence:06d}"


def lock_counter(issuer, year, kind):
    """The counter row of the issuer's sequence for the year, locked until the transaction ends.

    The row is created if missing without a race (INSERT … ON CONFLICT DO NOTHING), then locked;
    whoever comes second waits for the first transaction to end and reads what it left.
    """
    ReceiptCounter.objects.bulk_create(
        [ReceiptCounter(issuer=issuer, year=year, kind=kind, last_number=0)], ignore_conflicts=True
    )
    return ReceiptCounter.objects.select_for_update().get(issuer=issuer, year=year, kind=kind)


def next_sequence(issuer, year, kind, *, counter=None):
    """The next number of the issuer's sequence for the year, taken under the counter row's lock
    (`counter`, when the caller already holds it)."""
    counter = counter or lock_counter(issuer, year, kind)
    counter.last_number += 1  # under the row lock, until the commit
    counter.save(update_fields=["last_number"])
    return counter.last_number
