"""Compare every stored total (NeedTotals, ProjectTotals) with the sums that define it.

    manage.py verify_totals            reports drift; exits with status 1 if there is any
    manage.py verify_totals --repair   writes the definition back and logs what it changed

Stored totals are written only by donations/totals.py, inside the transactions that change
progress, so drift means a write went around the services (a bulk load, a hand-made SQL fix).
"""

from django.core.management.base import BaseCommand, CommandError

from donations.totals import find_drift, repair


class Command(BaseCommand):
    help = "Compare stored progress totals with their sums; --repair fixes and logs any drift."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Write the sums back into drifted totals.")

    def handle(self, *args, **options):
        drift = find_drift()
        for item in drift:
            self.stdout.write(str(item))
        if not drift:
            self.stdout.write(self.style.SUCCESS("verify_totals: every stored total equals its sum."))
            return
        if options["repair"]:
            repaired = repair(drift)
            self.stdout.write(
                self.style.WARNING(f"verify_totals: {len(drift)} totals drifted; repaired {len(repaired)} projects.")
            )
            return
        raise CommandError(f"verify_totals: {len(drift)} stored totals differ from their sums (run with --repair).")
