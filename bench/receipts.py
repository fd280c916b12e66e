"""Benchmark of receipts (not a test). Run from the project folder:

    .venv/bin/python bench/receipts.py [--renders 60] [--donors 1000] [--database-url URL]

1. Render speed, in this one process, warm: WeasyPrint's trivial document (`<p>hello</p>`) as
   the floor, rendered the way the receipt is (same process, our shared FontConfiguration) —
   and, for comparison, with WeasyPrint's defaults and with the receipt's own document class —
   then a standard receipt (cash, one gift, QR code), a French tax receipt, the standard receipt
   in Arabic (right to left, the Arabic face embedded too) and in Arabic and French (bilingual),
   interleaved so that all see the same machine load. Prints the medians, the ratio receipt /
   floor (target ≤ 1.5), the ratios Arabic / French and bilingual / French, and the PDF's size
   (target < 60 KB).
2. The batch: a fresh database (SQLite in a temporary folder unless --database-url is given)
   with `--donors` donors who each gave twice to one issuer's projects this year (each gift with
   its per-gift receipt, which the yearly receipt voids and replaces), then
   `manage.py issue_yearly_receipts` timed end to end: numbers, snapshots, PDFs rendered and
   stored (target: 1 000 in under 60 s).
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import start_django  # noqa: E402

TARGET_RATIO = 1.5
TARGET_SIZE = 60 * 1024
TARGET_BATCH_SECONDS = 60.0


def snapshot(*, tax=False):
    """A standard receipt as receipts.py would snapshot it: one cash gift, one project."""
    return {
        "version": 1,
        "kind": "single",
        "year": 2026,
        "number": "TWZ-2026-000123",
        "issued_on": "2026-11-23",
        "verification_url": "https://tiwizi.example/r/Hk3vJ9wQm2xZr7TbN4cL8a/",
        "replaces": "",
        "language": "fr",
        "tax_receipt": tax,
        "issuer": {
            "legal_name": "Association Twittoma Solidarité",
            "address": "12 rue de la République\n69002 Lyon\nFrance",
            "registration_number": "RNA W691234567",
            "signatory_name": "Khadija Mansouri",
            "signatory_title": "Trésorière",
            "signature_place": "Lyon",
            "logo": "",
            "tax_article": "200" if tax else "",
            "tax_category": "Œuvre ou organisme d'intérêt général" if tax else "",
            "purpose": "Scolarisation des enfants des villages de montagne" if tax else "",
        },
        "donor": {
            "handle": "donatrice",
            "legal_name": "Nadia Benali" if tax else "",
            "address": "4 place Bellecour\n69002 Lyon" if tax else "",
        },
        "projects": [{"title": "Une classe préscolaire à Tighzit", "place": "Tighzit, Al Haouz, MA"}],
        "payment_method": "bank_transfer",
        "payment_methods": ["bank_transfer"],
        "currency": "EUR" if tax else "MAD",
        "lines": [
            {
                "date": "2026-11-20",
                "label": "Fonds de construction",
                "kind": "cash",
                "quantity": "1250.50",
                "unit": "",
                "value": "1250.50",
                "project": "Une classe préscolaire à Tighzit",
            }
        ],
        "totals": {"cash": [{"currency": "EUR" if tax else "MAD", "amount": "1250.50"}], "estimated": None},
    }


def arabic_snapshot(*, second_language=""):
    """The standard receipt of an issuer that writes its receipts in Arabic (and French, with a
    second language): an Arabic project's title and place, the gift's label in Arabic."""
    receipt = snapshot()
    receipt["language"] = "ar"
    if second_language:
        receipt["second_language"] = second_language
    title = "خزان ماء لدوار أيت عبد الله"
    receipt["projects"] = [{"title": title, "place": "أيت عبد الله، الأطلس الكبير"}]
    receipt["lines"][0].update(project=title, label="تمويل الخزان")
    return receipt


def median_ms(samples):
    return statistics.median(samples) * 1000


def bench_render(renders):
    from weasyprint import HTML

    from receipts.pdf import FONT_CONFIG, ReceiptHTML, render_receipt_pdf

    standard, tax = snapshot(), snapshot(tax=True)
    arabic, bilingual = arabic_snapshot(), arabic_snapshot(second_language="fr")
    floor_name = "floor, shared FontConfiguration"
    jobs = {
        # The floor is rendered as the receipt is: same process, same FontConfiguration.
        floor_name: lambda: HTML(string="<p>hello</p>").write_pdf(font_config=FONT_CONFIG),
        "floor, WeasyPrint's defaults": lambda: HTML(string="<p>hello</p>").write_pdf(),
        # Stricter still: the receipt's own document class (its user-agent stylesheet).
        "floor, the receipt's document class": lambda: ReceiptHTML(string="<p>hello</p>").write_pdf(
            font_config=FONT_CONFIG
        ),
        "standard receipt": lambda: render_receipt_pdf(standard),
        "French tax receipt": lambda: render_receipt_pdf(tax),
        "Arabic receipt": lambda: render_receipt_pdf(arabic),
        "Arabic and French receipt": lambda: render_receipt_pdf(bilingual),
    }
    sizes = {name: len(job()) for name, job in jobs.items()}  # first renders: fonts loaded, caches warm
    for _ in range(5):
        for job in jobs.values():
            job()
    times = {name: [] for name in jobs}
    cpu_times = {name: [] for name in jobs}
    for _ in range(renders):
        for name, job in jobs.items():  # interleaved: a busy moment slows all of them alike
            started, cpu_started = time.perf_counter(), time.process_time()
            job()
            times[name].append(time.perf_counter() - started)
            cpu_times[name].append(time.process_time() - cpu_started)
    medians = {name: median_ms(samples) for name, samples in times.items()}
    # CPU time of this process: on a machine shared with other work, wall time also counts the
    # moments the scheduler gave the core to someone else, and a long render loses more of them.
    cpu_medians = {name: median_ms(samples) for name, samples in cpu_times.items()}
    print(f"Render, warm, median of {renders} in one process (wall time; CPU time):")
    for name, value in medians.items():
        print(f"  {name:38s} {value:6.1f} ms; {cpu_medians[name]:6.1f} ms CPU   {sizes[name] / 1024:5.1f} KB")
    receipt = medians["standard receipt"]
    ratio = receipt / medians[floor_name]
    cpu_ratio = cpu_medians["standard receipt"] / cpu_medians[floor_name]
    print(
        f"  ratio standard receipt / floor (shared FontConfiguration): {ratio:.2f}, CPU {cpu_ratio:.2f}  "
        f"(target ≤ {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    defaults = receipt / medians["floor, WeasyPrint's defaults"]
    own_class = receipt / medians["floor, the receipt's document class"]
    print(f"  against WeasyPrint's defaults: {defaults:.2f}; against the receipt's document class: {own_class:.2f}")
    for name in ("Arabic receipt", "Arabic and French receipt"):
        print(
            f"  {name} / standard receipt (French): {medians[name] / receipt:.2f}, "
            f"CPU {cpu_medians[name] / cpu_medians['standard receipt']:.2f}"
        )
    size = sizes["standard receipt"]
    verdict = "met" if size < TARGET_SIZE else "NOT met"
    print(f"  PDF size: {size / 1024:.1f} KB (target < {TARGET_SIZE // 1024} KB: {verdict})")
    return ratio


def populate(donors, year):
    """An issuer, 20 projects, and `donors` donors who each gave twice this year (bulk inserts)."""
    from django.utils import timezone

    from accounts.models import Member
    from donations.models import Need, Pledge, Reception
    from donations.totals import refresh_all_totals
    from projects.models import Community, Project
    from receipts.models import Issuer, Receipt, ReceiptCounter

    community = Community.objects.create(name="Twittoma", slug="twittoma")
    Issuer.objects.create(
        community=community,
        legal_name="Association Twittoma Solidarité",
        address="12 rue de la République\n69002 Lyon\nFrance",
        registration_number="RNA W691234567",
        signatory_name="Khadija Mansouri",
        signatory_title="Trésorière",
        signature_place="Lyon",
        number_prefix="TWZ",
        language="fr",
    )
    lead = Member.objects.create_user("lead_bench", None)
    needs = []
    for n in range(20):
        project = Project.objects.create(
            community=community,
            title=f"Projet {n}",
            slug=f"projet-{n}",
            country="MA",
            category="education",
            status=Project.Status.OPEN,
            created_by=lead,
        )
        needs.append(Need.objects.create(project=project, kind="cash", label="Fonds", target_quantity=Decimal(10**6)))
    members = Member.objects.bulk_create(Member(handle=f"donor_{n}", password="!", email=None) for n in range(donors))
    pledges = Pledge.objects.bulk_create(
        Pledge(need=needs[(n + k) % len(needs)], donor=member, quantity=Decimal(50 + k * 25), channel="bank_transfer")
        for n, member in enumerate(members)
        for k in range(2)
    )
    day = timezone.localdate().replace(year=year, month=1, day=15)
    Reception.objects.bulk_create(
        Reception(pledge=pledge, need=pledge.need, quantity=pledge.quantity, received_on=day, recorded_by=lead)
        for pledge in pledges
    )
    # Bulk rows bypass the services, which keep the stored totals.
    refresh_all_totals()
    # Each gift already has its per-gift receipt, as when a lead records it: the batch voids them
    # (a gift is on one valid receipt only), so that is measured too.
    issuer = Issuer.objects.get()
    Receipt.objects.bulk_create(
        Receipt(
            issuer=issuer,
            kind=Receipt.Kind.SINGLE,
            year=year,
            sequence=n,
            number=f"TWZ-{year}-{n:06d}",
            pledge=pledge,
            donor=pledge.donor,
            snapshot={"lines": [], "totals": {"cash": []}},
        )
        for n, pledge in enumerate(pledges, start=1)
    )
    ReceiptCounter.objects.create(issuer=issuer, year=year, kind=Receipt.Kind.SINGLE, last_number=len(pledges))


def bench_batch(donors, database_url):
    from django.core.management import call_command
    from django.utils import timezone

    from receipts.models import Receipt

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year
    populate(donors, year)
    started = time.perf_counter()
    call_command("issue_yearly_receipts", "--year", str(year))
    elapsed = time.perf_counter() - started
    yearly = Receipt.objects.filter(kind=Receipt.Kind.YEARLY)
    rendered = sum(1 for name in yearly.values_list("pdf", flat=True) if name)
    replaced = Receipt.objects.filter(kind=Receipt.Kind.SINGLE, replaced_by_yearly__isnull=False).count()
    print(
        f"Batch: {yearly.count()} yearly receipts issued ({replaced} per-gift receipts voided, now on them), "
        f"{rendered} PDFs stored, in {elapsed:.1f} s "
        f"({elapsed / max(yearly.count(), 1) * 1000:.0f} ms each; target < {TARGET_BATCH_SECONDS:.0f} s: "
        f"{'met' if elapsed < TARGET_BATCH_SECONDS else 'NOT met'}) on {database_url.split(':')[0]}"
    )
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=60)
    parser.add_argument("--donors", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()

    # Migrated only before the batch: the renders are measured in a process that holds no more
    # than they need (a migration's objects would make the garbage collector's rounds longer).
    workdir, database_url = start_django(prefix="tiwizi-bench-receipts-", database_url=args.database_url, migrate=False)
    try:
        import weasyprint.text.ffi as ffi

        subsetter = (
            "HarfBuzz"
            if getattr(ffi, "harfbuzz_subset", None)
            else "fontTools (slow: apt-get install libharfbuzz-subset0)"
        )
    except ImportError:
        subsetter = "unknown"
    print(f"Font subsetting by {subsetter}; {os.cpu_count()} cores")
    bench_render(args.renders)
    if not args.skip_batch:
        bench_batch(args.donors, database_url)
    print(f"(work files in {workdir})")


if __name__ == "__main__":
    main()
