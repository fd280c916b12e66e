from django.core.management.base import BaseCommand

from publishing.update_emails import pending_count, send_pending


class Command(BaseCommand):
    help = (
        "Send the emails of published updates that are still due (pending with their task lost, failed and "
        "due for a retry, or left sending by a sender that died), then exit. Each is sent by a task after "
        "its update is published: this is the recovery, e.g. from cron. Safe while the tasks run, and in "
        "several processes at once: each email is claimed by one sender only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say how many emails are due; send nothing.")
        # The command once looped; cron lines written for it say --once, which is now all it does.
        parser.add_argument("--once", action="store_true", help="Accepted for older cron lines: it always runs once.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            self.stdout.write(f"{pending_count()} update email(s) due; nothing sent (dry run).")
            return
        counts = send_pending(progress=self._progress)
        self.stdout.write(self.style.SUCCESS(f"Update emails: {counts['sent']} sent, {counts['failed']} failed."))

    def _progress(self, counts):
        self.stdout.write(f"… {counts['sent']} sent, {counts['failed']} failed so far")
