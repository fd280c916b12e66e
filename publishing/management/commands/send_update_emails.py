import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from publishing.update_emails import pending_count, send_pending


class Command(BaseCommand):
    help = (
        "Send the emails of published updates that are due (queued, or failed and due for a retry). "
        "Runs forever, checking every --interval seconds; --once drains the queue and exits. "
        "Several may run at once: each email is claimed by one of them only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between checks (default 5).")
        parser.add_argument("--dry-run", action="store_true", help="Say how many emails are due; send nothing.")

    def handle(self, *args, once=False, interval=5.0, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{pending_count()} update email(s) due; nothing sent (dry run).")
            return
        while True:
            counts = send_pending(progress=self._progress)
            if counts["sent"] or counts["failed"] or once:
                self.stdout.write(
                    self.style.SUCCESS(f"Update emails: {counts['sent']} sent, {counts['failed']} failed.")
                )
            if once:
                return
            close_old_connections()
            time.sleep(interval)

    def _progress(self, counts):
        self.stdout.write(f"… {counts['sent']} sent, {counts['failed']} failed so far")
