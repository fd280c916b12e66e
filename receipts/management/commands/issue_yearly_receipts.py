"""Issue the yearly receipts of a year: one per donor and issuer, summing the year's gifts.

Two steps, both resumable:
1. issue: the donors who gave to the issuer's projects in the year and have no yearly receipt
   yet get one, numbered in turn, CHUNK donors per transaction (the service checks under the
   counter's lock, and a database constraint backs it up: never twice);
2. deliver: each yearly receipt of the year without a PDF is rendered, stored, and its donor
   emailed a link, in --jobs processes (rendering is CPU-bound; numbering is not).
Running the command again after an interruption carries on where it stopped.
"""

import logging
import multiprocessing
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from receipts.delivery import receipt_deliver
from receipts.models import Issuer, Receipt
from receipts.yearly import yearly_receipt_donors, yearly_receipts_issue

logger = logging.getLogger(__name__)

BAR_WIDTH = 30
# Donors per transaction: one commit per receipt would cost more than the receipt (a disk sync).
CHUNK = 100


def _deliver(receipt_id):
    # One receipt that fails does not stop the batch: it is issued, its PDF is rendered at the
    # first download, and running the command again renders what is left.
    try:
        receipt_deliver(receipt_id=receipt_id)
    except Exception:
        logger.exception("Receipt %s: rendering or emailing failed", receipt_id)
    return receipt_id


class Command(BaseCommand):
    help = "Issue the yearly receipts of a year (one per donor and issuer), then render them. Resumable."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--issuer", help="Only this issuer: its number prefix (e.g. TWZ) or id.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be issued; issue nothing.")
        parser.add_argument(
            "--jobs", type=int, default=os.cpu_count() or 1, help="Processes rendering PDFs (default: one per core)."
        )

    def handle(self, *args, year, issuer=None, dry_run=False, jobs=1, **options):
        if year > timezone.localdate().year:
            raise CommandError(f"{year} has not started yet.")
        issuers = Issuer.objects.order_by("number_prefix")
        if issuer:
            by = {"pk": int(issuer)} if issuer.isdigit() else {"number_prefix": issuer.upper()}
            issuers = issuers.filter(**by)
            if not issuers.exists():
                raise CommandError(f"No issuer {issuer!r}.")
        for current in issuers:
            self.issue(current, year, dry_run=dry_run)
            if not dry_run:
                self.deliver(current, year, jobs=max(1, jobs))

    def issue(self, issuer, year, *, dry_run):
        donors = list(yearly_receipt_donors(issuer=issuer, year=year))
        self.stdout.write(f"{issuer.number_prefix} {year}: {len(donors)} to issue" + (" (dry run)" if dry_run else ""))
        if dry_run or not donors:
            return
        started, issued = time.monotonic(), 0
        for start in range(0, len(donors), CHUNK):
            chunk = donors[start : start + CHUNK]
            issued += len(yearly_receipts_issue(donors=chunk, issuer=issuer, year=year, deliver=False))
            self.progress(start + len(chunk), len(donors), started)
        self.stdout.write(f"{issuer.number_prefix} {year}: {issued} issued in {time.monotonic() - started:.1f} s")

    def deliver(self, issuer, year, *, jobs):
        pending = list(
            Receipt.objects.valid()
            .filter(issuer=issuer, year=year, kind=Receipt.Kind.YEARLY, pdf="")
            .order_by("sequence")
            .values_list("pk", flat=True)
        )
        if not pending:
            return
        self.stdout.write(f"{issuer.number_prefix} {year}: {len(pending)} to render, in {jobs} process(es)")
        started = time.monotonic()
        if jobs == 1:
            for done, receipt_id in enumerate(pending, start=1):
                _deliver(receipt_id)
                self.progress(done, len(pending), started)
        else:
            # Workers are forked with no open connection: each opens its own.
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for done, _receipt_id in enumerate(pool.imap_unordered(_deliver, pending, chunksize=4), start=1):
                    self.progress(done, len(pending), started)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{issuer.number_prefix} {year}: {len(pending)} rendered in {elapsed:.1f} s")

    def progress(self, done, total, started):
        """A bar redrawn in place on a terminal; a line every tenth of the way in a log."""
        interactive = sys.stdout.isatty()
        if not interactive and done != total and done % max(1, total // 10):
            return
        filled = BAR_WIDTH * done // total
        rate = done / max(time.monotonic() - started, 1e-9)
        line = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} ({rate:.0f}/s)"
        if interactive:
            self.stdout.write("\r" + line, ending="\n" if done == total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)
