"""Benchmark of the project page's server-side render time with a long timeline (not a test).
Run from the project folder:

    .venv/bin/python bench/project_page.py [--requests 50] [--entries 200] [--database-url URL]

1. A fresh database (SQLite in a temporary folder unless --database-url is given; it must not
   hold anything you want to keep: the benchmark migrates it and adds its own rows) with three
   projects alike in everything (5 needs, 40 pledges, receptions, 11 milestones) but their
   timelines: one has none, one has a page's worth (20), the last `--entries` entries, mixing
   updates (some with a photo, some for supporters only), done milestones (some with evidence
   photos), thresholds and expenses.
2. In this one process, warm, through Django's test client (the whole request: middleware,
   view, queries, templates; no network, no server): GET of each page, interleaved so that all
   see the same machine load, `--requests` times each, as an anonymous visitor and as a
   supporter (who also reads supporters-only entries).
Prints the median and p90 of each, the ratio long timeline / empty timeline (what drawing a page
of 20 entries costs), the ratio long timeline / 20 entries (the issue wants the page flat: judged
by this one, target ≤ 1.1) and the queries of each page (equal whatever the number of entries,
apart from the fixed timeline queries a non-empty page adds).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import start_django  # noqa: E402

# Flat: the page with all the entries takes no longer than with one page's worth (20), within noise.
TARGET_RATIO = 1.1


def populate(entries):
    from django.utils import timezone

    from accounts.models import Member
    from donations.models import Need, Pledge, ProgressThreshold, Reception
    from donations.totals import refresh_project_totals
    from projects.models import Community, Project
    from publishing.models import Expense, Milestone, Photo, TimelineEntry, Update

    stamp = int(time.time())
    community = Community.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    lead = Member.objects.create(handle=f"bench_lead_{stamp}", password="!", email=None)
    donors = Member.objects.bulk_create(
        Member(handle=f"bench_donor_{stamp}_{n}", password="!", email=None) for n in range(20)
    )
    start = timezone.now() - timedelta(days=400)

    def project(name, timeline_length):
        project = Project.objects.create(
            community=community,
            title=f"Une classe à Tighzit ({name})",
            slug=f"bench-{name}-{stamp}",
            summary="Une classe préscolaire pour le village",
            story="Nous construisons **une classe**.\n\n- un toit\n- des tables",
            country="MA",
            category="education",
            status=Project.Status.OPEN,
            created_by=lead,
            opened_at=start,
        )
        project.leads.add(lead)
        needs = [
            Need.objects.create(
                project=project,
                position=n,
                kind="cash" if n == 0 else "material",
                label="Fonds de construction" if n == 0 else f"Matériel {n}",
                unit="" if n == 0 else "pièce",
                target_quantity=Decimal(50000 if n == 0 else 200),
            )
            for n in range(5)
        ]
        pledges = Pledge.objects.bulk_create(
            Pledge(
                need=needs[n % 5],
                donor=donors[n % len(donors)],
                quantity=Decimal(500 if n % 5 == 0 else 10),
                channel="bank_transfer" if n % 5 == 0 else "drop_off",
            )
            for n in range(40)
        )
        Reception.objects.bulk_create(
            Reception(pledge=pledge, need=pledge.need, quantity=pledge.quantity, recorded_by=lead)
            for pledge in pledges[::2]
        )
        # Bulk rows bypass the services, which keep the stored totals.
        refresh_project_totals(project)
        for n, title in enumerate(("Terrain obtenu", "Murs montés", "Toit posé")):
            Milestone.objects.create(project=project, position=n, title=title, target_date=start.date())
        # A mix as a project would have it, the same on every page of 20: mostly updates and
        # expenses, a done milestone every 25 entries, a threshold every 10 (20 in all: 4 per need).
        thresholds = 0
        photo = {"project": project, "image": "photos/bench.jpg", "width": 1600, "height": 1200, "uploaded_by": lead}
        for number in range(timeline_length):
            at = start + timedelta(hours=number)
            kind = number % 10
            if number % 25 == 12:
                kind = "milestone"
            elif kind == 6 and thresholds < 20:
                kind = "threshold"
            if kind in (0, 1, 2, 3, 4):
                audience = "supporters" if kind == 3 else "public"
                update = Update.objects.create(
                    project=project,
                    author=lead,
                    title=f"Nouvelles n° {number}",
                    body="Les **couvertures** sont arrivées. Merci à toutes et tous !",
                    audience=audience,
                    published_at=at,
                )
                if kind == 0:
                    Photo.objects.create(update=update, **photo)
                TimelineEntry.objects.create(
                    project=project, kind="update", at=at, update=update, supporters_only=audience == "supporters"
                )
            elif kind == "milestone":
                milestone = Milestone.objects.create(
                    project=project, position=number, title=f"Étape {number}", status="done", done_on=at.date()
                )
                if number % 50 == 12:
                    Photo.objects.create(milestone=milestone, **photo)
                TimelineEntry.objects.create(project=project, kind="milestone", at=at, milestone=milestone)
            elif kind == "threshold":
                threshold = ProgressThreshold.objects.create(
                    project=project,
                    need=needs[thresholds // 4],
                    percent=ProgressThreshold.PERCENTS[thresholds % 4],
                    reached_at=at,
                )
                thresholds += 1
                TimelineEntry.objects.create(project=project, kind="threshold", at=at, threshold=threshold)
            else:
                expense = Expense.objects.create(
                    project=project,
                    need=needs[number % 5],
                    description=f"Achat n° {number}",
                    supplier="Souk Tiznit",
                    amount=Decimal("150.00"),
                    currency=project.currency,
                    spent_on=at.date(),
                    recorded_by=lead,
                )
                TimelineEntry.objects.create(project=project, kind="expense", at=at, expense=expense)
        # The same length of milestones section on every page (the long timeline's done
        # milestones are listed there too): planned ones make up the difference.
        milestones = 3 + len([number for number in range(entries) if number % 25 == 12])
        for number in range(project.milestones.count(), milestones):
            Milestone.objects.create(
                project=project, position=number, title=f"Étape {number}", target_date=start.date()
            )
        return project

    # A full page of entries, to tell the cost of drawing 20 entries from that of having many.
    return project("empty", 0), project("page", 20), project("long", entries), donors[0]


def measure(client, url, requests):
    """Render times (ms: wall clock, and this process's CPU), and query counts of `requests` GETs
    of `url`. On a machine shared with other work, CPU time is the steadier of the two (with
    SQLite it covers the queries too; with PostgreSQL the server's share is not in it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu_times, queries = [], [], set()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as context:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(context.captured_queries))
    return times, cpu_times, queries


def p90(values):
    return statistics.quantiles(values, n=10)[-1]


def bench(client, label, projects, requests):
    empty, page, long = projects
    urls = {"empty": empty.get_absolute_url(), "20 entries": page.get_absolute_url(), "long": long.get_absolute_url()}
    urls["long, last page"] = urls["long"] + "?timeline=999"
    for url in urls.values():  # warm: templates compiled, connections open, caches filled
        for _ in range(5):
            client.get(url)
    times = {name: [] for name in urls}
    cpu_times = {name: [] for name in urls}
    queries = {name: set() for name in urls}
    # Interleaved in small batches: a burst of load on the machine hits both alike.
    for _ in range(requests // 5):
        for name, url in urls.items():
            batch, cpu_batch, counts = measure(client, url, 5)
            times[name] += batch
            cpu_times[name] += cpu_batch
            queries[name] |= counts
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_times.items()}
    print(f"{label}:")
    for name in urls:
        print(
            f"  {name:<16} median {medians[name]:6.1f} ms, p90 {p90(times[name]):6.1f} ms, "
            f"CPU median {cpu[name]:6.1f} ms, queries {sorted(queries[name])}"
        )
    flat = medians["long"] / medians["20 entries"]
    print(
        f"  ratio long / empty timeline: {medians['long'] / medians['empty']:.2f} (the cost of drawing one page "
        f"of 20 entries; CPU {cpu['long'] / cpu['empty']:.2f})"
    )
    print(
        f"  ratio long / 20 entries: {flat:.2f} (flat: target ≤ {TARGET_RATIO}: "
        f"{'met' if flat <= TARGET_RATIO else 'NOT met'}; CPU {cpu['long'] / cpu['20 entries']:.2f}); "
        f"queries equal with 20 and with all entries, first and "
        f"last page: {queries['long'] == queries['20 entries'] == queries['long, last page']}"
    )
    return flat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    args = parser.parse_args()

    os.environ.pop("REDIS_URL", None)  # the page reads the database; no response cache in the way
    workdir, database_url = start_django(prefix="tiwizi-bench-page-", database_url=args.database_url)
    from django.test import Client

    # No setup_test_environment(): it instruments every template render to send a signal the
    # test client answers by copying the context, which would weigh on each timeline entry's
    # include and measure the test harness rather than the page. ("testserver" is allowed.)
    started = time.perf_counter()
    *projects, supporter = populate(args.entries)
    print(
        f"{database_url.split(':')[0]}: three projects with 0, 20 and {args.entries} timeline entries "
        f"(made in {time.perf_counter() - started:.1f} s); {args.requests} requests each; {os.cpu_count()} cores"
    )
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr")
    bench(anonymous, "Anonymous visitor", projects, args.requests)
    member = Client(HTTP_ACCEPT_LANGUAGE="fr")
    member.force_login(supporter)
    bench(member, "Supporter (reads supporters-only entries)", projects, args.requests)
    print(f"(work files in {workdir})")


if __name__ == "__main__":
    main()
