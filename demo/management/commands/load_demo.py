from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo communities, projects, needs, pledges and accounts (in French). "
        "Idempotent: what already exists (by handle or slug) is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be created, then roll back.")

    def handle(self, *args, dry_run=False, **options):
        loader = load_demo(log=self.stdout.write, dry_run=dry_run)
        outcome = f"{loader.created} created, {loader.skipped} skipped"
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing saved: {outcome}."))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {outcome}."))
        if loader.created:
            self.stdout.write(f"Demo accounts (see README.md) all use the password “{DEMO_PASSWORD}”.")
