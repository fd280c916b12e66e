"""Benchmark of the largest project the limits allow (not a test). Run from the project folder:

    .venv/bin/python bench/worst_case.py [--requests 20] [--reports 5] [--database-url URL]

1. A fresh database (SQLite in a temporary folder unless --database-url is given; it must not
   hold anything you want to keep) with two projects. The worst case: a story of STORY_MAX
   characters of realistic Markdown (headings, paragraphs, lists, links, long words), a title
   and summary at their maximum, NEEDS_PER_PROJECT_MAX needs (labels and units at their
   maximum) with pledges on every need (messages of 280 characters, receptions on half of
   them), MILESTONES_PER_PROJECT_MAX milestones and UPDATES_PER_PROJECT_MAX published updates,
   each text at its maximum length, and EXPENSES_PER_PROJECT_MAX expenses. The peer: a project
   the size of the demo's (4 needs, a story of ~1 500 characters, 4 milestones, 3 updates,
   2 expenses). Every limit is read from the apps' limits.py, and one row of each kind is
   checked with full_clean (the worst case is within the limits, not beyond them).
2. In this one process, through Django's test client (the whole request: middleware, view,
   queries, templates, PDF), as an anonymous visitor:
   - the project page (`/p/<slug>/`), warm, `--requests` times each, interleaved with the
     peer's page, a bare Django view (bench/urls.py), and both pages again with no Markdown
     kept rendered (as the first request after a change, or in a new process, finds them);
   - the progress report (`/p/<slug>/report.pdf`) rendered cold (the report's cache emptied
     before each request: what the first reader after a change waits), `--reports` times each,
     interleaved with the peer's report.
Prints medians and p90s, the ratios to the peers, sizes and queries, and whether the issue's
targets are met: the page under 300 ms, the report under 2 s.
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

PAGE_TARGET_MS = 300
REPORT_TARGET_MS = 2000

LONG_WORD = "anticonstitutionnellement"
PARAGRAPH = (
    "Les familles du douar de **Tighzit** envoient leurs enfants à l'école d'Asni, à deux heures de "
    f"marche : une classe préscolaire au village change tout. Voir [la carte](https://example.org/tighzit) "
    f"et le *rapport* de l'association ; un mot très long pour la mise en page : {LONG_WORD}. "
)


def markdown_text(length, *, title="Étape"):
    """Realistic Markdown of exactly `length` characters: sections with a heading, paragraphs,
    a list with links, and long words, repeated."""
    parts, number = [], 0
    while sum(len(part) for part in parts) < length:
        number += 1
        parts.append(
            f"## {title} {number}\n\n{PARAGRAPH * 2}\n\n{PARAGRAPH}\n\n"
            f"- un toit isolé pour l'hiver, voir [le devis n° {number}](https://example.org/devis/{number})\n"
            "- des pupitres et un tableau\n- des livres d'éveil en arabe, en amazigh et en français\n\n"
        )
    return "".join(parts)[: length - 1] + "."


def plain_text(length):
    """Plain text of exactly `length` characters (milestone descriptions and evidence)."""
    sentence = "Vérifié sur place par deux membres de l'association, photos à l'appui, le devis signé. "
    return (sentence * (length // len(sentence) + 1))[: length - 1] + "."


def sized(text, length):
    return (text * (length // len(text) + 1))[:length]


def populate():
    from django.utils import timezone

    from accounts.models import Member
    from donations.limits import NEEDS_PER_PROJECT_MAX, PLEDGE_MESSAGE_MAX, RECEPTION_NOTE_MAX
    from donations.models import Need, Pledge, Reception
    from donations.totals import refresh_project_totals
    from projects.limits import STORY_MAX
    from projects.models import Community, Project
    from publishing.limits import (
        EXPENSES_PER_PROJECT_MAX,
        MILESTONE_DESCRIPTION_MAX,
        MILESTONE_EVIDENCE_MAX,
        MILESTONES_PER_PROJECT_MAX,
        UPDATE_BODY_MAX,
        UPDATES_PER_PROJECT_MAX,
    )
    from publishing.models import Expense, Milestone, TimelineEntry, Update

    stamp = int(time.time())
    community = Community.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    lead = Member.objects.create(handle=f"worst_lead_{stamp}", password="!", email=None)
    donors = Member.objects.bulk_create(
        Member(handle=f"worst_donor_{stamp}_{n}", password="!", email=None) for n in range(60)
    )
    start = timezone.now() - timedelta(days=400)
    field = {
        model: {f.name: f.max_length for f in model._meta.get_fields() if getattr(f, "max_length", None)}
        for model in (Project, Need, Milestone, Update, Expense)
    }

    def project(name, *, story, needs, milestones, updates, expenses, worst):
        title_length = field[Project]["title"] if worst else 28
        project = Project.objects.create(
            community=community,
            title=sized(f"Une classe à Tighzit ({name}) ", title_length),
            slug=f"bench-{name}-{stamp}",
            summary=sized("Une classe préscolaire pour le village, ", field[Project]["summary"] if worst else 60),
            story=story,
            country="MA",
            region="Al Haouz",
            village="Tighzit",
            category="education",
            status=Project.Status.OPEN,
            created_by=lead,
            opened_at=start,
        )
        project.leads.add(lead)
        project.full_clean()
        label_length = field[Need]["label"] if worst else 20
        need_rows = Need.objects.bulk_create(
            Need(
                project=project,
                position=n,
                kind="cash" if n % 5 == 0 else "material",
                label=sized(f"Besoin {n} : fournitures ", label_length),
                unit="" if n % 5 == 0 else sized("pièce ", field[Need]["unit"] if worst else 5).strip(),
                whole_units=n % 5 != 0,
                target_quantity=Decimal(50000 if n % 5 == 0 else 200),
            )
            for n in range(needs)
        )
        # Pledges on every need: three each, a message at its longest, half of them received.
        pledges = Pledge.objects.bulk_create(
            Pledge(
                need=need,
                donor=donors[(index * 3 + k) % len(donors)],
                quantity=Decimal(500 if need.kind == "cash" else 10),
                channel="bank_transfer" if need.kind == "cash" else "drop_off",
                visibility="anonymous" if k == 2 else "public",
                message=sized("Pour les enfants de Tighzit, avec toute notre amitié. ", PLEDGE_MESSAGE_MAX)
                if worst
                else "Bon courage !",
            )
            for index, need in enumerate(need_rows)
            for k in range(3)
        )
        Reception.objects.bulk_create(
            Reception(
                pledge=pledge,
                need=pledge.need,
                quantity=pledge.quantity,
                recorded_by=lead,
                note=sized("Reçu au point de collecte. ", RECEPTION_NOTE_MAX) if worst else "",
            )
            for pledge in pledges[::2]
        )
        # Bulk rows bypass the services, which keep the stored totals.
        refresh_project_totals(project)
        for number in range(milestones):
            done = number < milestones // 2
            milestone = Milestone.objects.create(
                project=project,
                position=number,
                title=sized(f"Étape {number} : les murs ", field[Milestone]["title"] if worst else 20),
                description=plain_text(MILESTONE_DESCRIPTION_MAX if worst else 60),
                evidence_note=plain_text(MILESTONE_EVIDENCE_MAX if worst else 40) if done else "",
                status="done" if done else "planned",
                done_on=(start + timedelta(days=number)).date() if done else None,
                target_date=(start + timedelta(days=number)).date(),
            )
            if number == 0:
                milestone.full_clean()
            if done:
                TimelineEntry.objects.create(
                    project=project, kind="milestone", at=start + timedelta(days=number), milestone=milestone
                )
        body = markdown_text(UPDATE_BODY_MAX, title="Nouvelles") if worst else markdown_text(400)
        # The updates last: the page's first page of timeline is then 20 updates, its costliest.
        for number in range(updates):
            at = start + timedelta(days=60, hours=number)
            update = Update.objects.create(
                project=project,
                author=lead,
                title=sized(f"Nouvelles n° {number} du chantier ", field[Update]["title"] if worst else 30),
                # Each its own text (no two alike for the rendered-Markdown cache to share).
                body=(f"N° {number}. " + body)[: len(body)],
                published_at=at,
            )
            if number == 0:
                update.full_clean()
            TimelineEntry.objects.create(project=project, kind="update", at=at, update=update)
        for number in range(expenses):
            at = start + timedelta(minutes=number)
            expense = Expense.objects.create(
                project=project,
                need=need_rows[0],
                description=sized(f"Achat n° {number} : ciment, sable et gravier ", field[Expense]["description"])
                if worst
                else f"Achat n° {number}",
                supplier=sized("Souk hebdomadaire de Tiznit ", field[Expense]["supplier"]) if worst else "Souk",
                amount=Decimal("150.00"),
                currency=project.currency,
                spent_on=at.date(),
                recorded_by=lead,
            )
            if number == 0:
                expense.full_clean()
            TimelineEntry.objects.create(project=project, kind="expense", at=at, expense=expense)
        return project

    worst = project(
        "worst",
        story=markdown_text(STORY_MAX),
        needs=NEEDS_PER_PROJECT_MAX,
        milestones=MILESTONES_PER_PROJECT_MAX,
        updates=UPDATES_PER_PROJECT_MAX,
        expenses=EXPENSES_PER_PROJECT_MAX,
        worst=True,
    )
    assert len(worst.story) == STORY_MAX
    typical = project(
        "demo-sized", story=markdown_text(1500), needs=4, milestones=4, updates=3, expenses=2, worst=False
    )
    return worst, typical


def warm(client, url):
    """The URL with a request made just before each measured one: what it costs with its Markdown
    kept rendered, whatever the "nothing kept" requests of the round emptied."""
    return url, lambda: client.get(url)


def forget_rendered_markdown():
    from core.rich_text import _markdown_html_kept

    _markdown_html_kept.cache_clear()


def p90(values):
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def timed_get(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, cpu, len(response.content), len(context.captured_queries)


def measure(client, urls, rounds):
    """Each URL once a round, interleaved, `rounds` times: (times, CPU times, sizes, queries) per
    name. `urls` maps a name to a URL, or to (URL, what to do before each request). On a machine
    shared with other work, CPU time is the steadier figure (with SQLite it covers the queries too;
    with PostgreSQL the server's share is not in it)."""
    results = {name: ([], [], set(), set()) for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            url, before = url if isinstance(url, tuple) else (url, None)
            if before:
                before()
            elapsed, cpu, size, queries = timed_get(client, url)
            results[name][0].append(elapsed)
            results[name][1].append(cpu)
            results[name][2].add(size)
            results[name][3].add(queries)
    return results


def show(results):
    """Prints each line; returns the medians of wall and of CPU time per name."""
    medians, cpu_medians = {}, {}
    for name, (times, cpu_times, sizes, queries) in results.items():
        medians[name], cpu_medians[name] = statistics.median(times), statistics.median(cpu_times)
        print(
            f"  {name:<22} median {medians[name]:8.1f} ms, p90 {p90(times):8.1f} ms, CPU median "
            f"{cpu_medians[name]:8.1f} ms, {max(sizes) / 1024:7.1f} KB, queries {sorted(queries)}"
        )
    return medians, cpu_medians


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--database-url", help="default: a new SQLite database in a temporary folder")
    args = parser.parse_args()

    os.environ.pop("REDIS_URL", None)  # the page reads the database; no response cache in the way
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # the site plus /bench/bare/
    workdir, database_url = start_django(prefix="tiwizi-bench-worst-", database_url=args.database_url)
    from django.core.cache import cache
    from django.test import Client

    started = time.perf_counter()
    worst, typical = populate()
    load = os.getloadavg()
    print(
        f"{database_url.split(':')[0]}: the worst case and a demo-sized project made in "
        f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"  worst case: story {len(worst.story)} characters, {worst.needs.count()} needs, "
        f"{worst.milestones.count()} milestones, {worst.updates.count()} updates, "
        f"{worst.expenses.count()} expenses, {sum(need.pledges.count() for need in worst.needs.all())} pledges"
    )
    # No setup_test_environment(): it instruments every template render (see bench/project_page.py).
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    # "nothing kept": the first request after a change, or in a new process: no Markdown kept
    # rendered (core/rich_text.py markdown_html_kept).
    pages = {
        "bare view": "/bench/bare/",
        "demo-sized page": warm(client, typical.get_absolute_url()),
        "worst-case page": warm(client, worst.get_absolute_url()),
        "demo, nothing kept": (typical.get_absolute_url(), forget_rendered_markdown),
        "worst, nothing kept": (worst.get_absolute_url(), forget_rendered_markdown),
        # Not a target: the feed's 30 latest entries, updates in full (for information).
        "worst-case feed": warm(client, f"/p/{worst.slug}/feed.atom"),
        "feed, nothing kept": (f"/p/{worst.slug}/feed.atom", forget_rendered_markdown),
    }
    reports = {
        "demo-sized report": (f"/p/{typical.slug}/report.pdf", cache.clear),
        "worst-case report": (f"/p/{worst.slug}/report.pdf", cache.clear),
    }
    for url, _before in [(url, None) if isinstance(url, str) else url for url in [*pages.values(), *reports.values()]]:
        client.get(url)  # warm: templates compiled, fonts loaded

    print(f"Project page, anonymous, {args.requests} requests each, interleaved:")
    page, page_cpu = show(measure(client, pages, args.requests))
    print(f"Progress report, anonymous, cold (its cache emptied before each), {args.reports} each, interleaved:")
    report, report_cpu = show(measure(client, reports, args.reports))

    page_met = page["worst-case page"] < PAGE_TARGET_MS
    cold, cold_cpu = page, page_cpu
    cold_met = cold["worst, nothing kept"] < PAGE_TARGET_MS
    report_met = report["worst-case report"] < REPORT_TARGET_MS
    print(
        f"  ratio worst-case page / demo-sized page: {page['worst-case page'] / page['demo-sized page']:.2f} "
        f"(CPU {page_cpu['worst-case page'] / page_cpu['demo-sized page']:.2f}); "
        f"/ bare view: {page['worst-case page'] / page['bare view']:.0f}"
    )
    print(
        f"  ratio worst-case report / demo-sized report: "
        f"{report['worst-case report'] / report['demo-sized report']:.2f} "
        f"(CPU {report_cpu['worst-case report'] / report_cpu['demo-sized report']:.2f})"
    )
    print(
        f"  page under {PAGE_TARGET_MS} ms: {'met' if page_met else 'NOT met'} "
        f"({page['worst-case page']:.0f} ms, CPU {page_cpu['worst-case page']:.0f} ms; nothing kept rendered: "
        f"{'met' if cold_met else 'NOT met'}, {cold['worst, nothing kept']:.0f} ms, CPU "
        f"{cold_cpu['worst, nothing kept']:.0f} ms); "
        f"report under {REPORT_TARGET_MS} ms: {'met' if report_met else 'NOT met'} "
        f"({report['worst-case report']:.0f} ms, CPU {report_cpu['worst-case report']:.0f} ms)"
    )
    load = os.getloadavg()
    print(f"(load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; work files in {workdir})")


if __name__ == "__main__":
    main()
