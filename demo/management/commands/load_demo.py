from django.conf import settings
from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, load_demo

# What the summary counts, in its order: (key in DemoLoader.loaded, singular, plural).
COUNTED = (
    ("members", "member", "members"),
    ("communities", "community", "communities"),
    ("projects", "project", "projects"),
    ("pledges", "pledge", "pledges"),
    ("receptions", "reception", "receptions"),
)


def _counted(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"


class Command(BaseCommand):
    help = (
        "Load the demo communities, projects, needs, pledges and accounts (in French). "
        "Idempotent: what already exists (by handle or slug) is skipped. Prints one line; "
        "-v 2 lists every record and each need's progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be created, then roll back.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        # One line by default: `make run` prints the server's address right after it.
        log = self.stdout.write if verbosity >= 2 else (lambda line: None)
        loader = load_demo(log=log, dry_run=dry_run)
        if verbosity == 0:
            return
        loaded = ", ".join(_counted(loader.loaded[key], *words) for key, *words in COUNTED)
        loaded += ", " + _counted(loader.receipts, "receipt", "receipts")
        if dry_run:
            self.stdout.write(
                self.style.WARNING(f"Dry run, nothing saved: would load {loaded} ({loader.skipped} already there).")
            )
            return
        accounts = f"Demo accounts: see README.md, password “{DEMO_PASSWORD}”."
        if loader.created:
            emails = _counted(loader.emails, "email", "emails")
            self.stdout.write(
                self.style.SUCCESS(f"Demo loaded: {loaded}; {emails} counted, not sent.") + f" {accounts}"
            )
        else:
            self.stdout.write(f"Demo already loaded ({loader.skipped} records), nothing created. {accounts}")
        if (elsewhere := loader.receipts_elsewhere()) is not None:
            self.stdout.write(
                self.style.WARNING(
                    f"The demo's receipts were issued for {elsewhere}, not SITE_URL={settings.SITE_URL}: "
                    "their QR codes lead there. Serve it there, or load the demo into an empty database."
                )
            )
