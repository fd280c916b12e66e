"""Benchmark of the public pages at scale, quiet and while pledges pour in (issue 12, "a viral
thread must not take the site down"). Not a test. Run from the project folder:

    .venv/bin/python bench/pages.py [--duration 5] [--rounds 2] [--connections 16]

1. The database of bench/api.py (tiwizi_bench, filled once with `manage.py generate_load_data
   --projects 10000 --pledges 300000`, kept between runs; migrated at every run), static files
   collected as production does. The benchmarked project is the open one with the most pledges
   (as bench/api.py's detail); "another project" is the busiest open one of another community.
2. In process (django.setup() on that database and the bench's Redis), as an anonymous visitor
   through Django's test client: the server time of a cache miss of the project page and of the
   list, the whole Django cache cleared before each request (whatever the page cache keys on),
   `--misses` times each, interleaved with the bare view (bench/urls.py) as the peer.
3. gunicorn, 2 sync workers, the cache in Redis (db 15, flushed); wrk from a second process,
   `--connections` connections, `Accept-Encoding: gzip` as a browser sends it, each URL warmed
   first: the bare view, `/`, the project's page, its community's page, its feed, its badge and
   another project's page, back to back, `--rounds` rounds of `--duration` s.
4. The same rounds while a writer (this script's `writer` mode, a process of its own with the
   server's settings) makes `--pledge-rate` pledges a second on the project's open cash need
   through donations.services.pledge_create, committing as production does (so the cache
   versions change at every pledge), donors varied among the members who may pledge there. When
   the rounds are over, it cancels its pledges through the service (they stay as cancelled rows)
   unless --keep-pledges.
Prints each URL's req/s, p50/p99, ratio to the bare view of the same round, the medians, the
miss times, the writer's pledges per second, a PASS/FAIL line per target of the issue and a
markdown table for docs/performance.md.
Needs wrk (apt-get install wrk) and PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path, where api.py would be imported as the
# project's api app once Django starts (writer and misses modes): the project's folder instead.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]

from bench.serving import (  # noqa: E402
    PYTHON,
    add_server_arguments,
    bench_env,
    collect_static,
    flush_redis,
    measure,
    prepare_database,
    report,
    start_server,
    stop_server,
)

# The targets ("done when").
TARGET_RATIO = 0.35  # each page against the bare view of the same round...
TARGET_P99_MS = 100.0  # ...with this p99 at 16 connections
GOAL_RATIO = 0.5  # what we aim beyond the target
TARGET_MISS_MS = {"GET /p/<slug>/": 25.0, "GET /": 40.0}  # server time of a cache miss (median)
TARGET_RATIO_WRITING = 0.2  # the project's page while pledges land on it
# "The pages of other projects keep their ratio" while the writer runs: the target without the
# writer, and at least this share of their own ratio without it (the shared machine's noise).
KEEP_SHARE = 0.8
BROWSER_HEADERS = {"Accept-Encoding": "gzip"}
PROJECT = "GET /p/<slug>/"
OTHER = "GET /p/<other-slug>/"
LIST = "GET /"


def bench_targets(database_url, slug):
    """The project's community, its open cash need (where the writer pledges) and another project:
    the open one with the most pledges in another community."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        found = connection.execute(
            "SELECT c.slug, c.id, n.id FROM projects_project p JOIN projects_community c ON c.id = p.community_id "
            "JOIN donations_need n ON n.project_id = p.id AND n.kind = 'cash' AND n.status = 'open' "
            "WHERE p.slug = %s ORDER BY n.position LIMIT 1",
            [slug],
        ).fetchone()
        if found is None:
            raise SystemExit(f"{slug} has no open cash need for the writer to pledge on")
        community_slug, community_id, need_id = found
        other = connection.execute(
            "SELECT p.slug FROM projects_project p JOIN donations_need n ON n.project_id = p.id "
            "JOIN donations_pledge g ON g.need_id = n.id WHERE p.status = 'open' AND p.community_id <> %s "
            "GROUP BY p.slug ORDER BY count(*) DESC, p.slug LIMIT 1",
            [community_id],
        ).fetchone()[0]
        pledges = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE g.status = 'cancelled') FROM donations_pledge g "
            "JOIN donations_need n ON n.id = g.need_id JOIN projects_project p ON p.id = n.project_id "
            "WHERE p.slug = %s",
            [slug],
        ).fetchone()
    print(f"project {slug} ({pledges[0]} pledges, {pledges[1]} cancelled), community {community_slug}, other {other}")
    return community_slug, need_id, other


def result_line(output):
    """The JSON a mode of this script prints last, on a line of its own starting with RESULT."""
    for line in reversed(output.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit("no result from the subprocess")


# The in-process measure of a cache miss ---------------------------------------------------------


def misses_main(argv):
    parser = argparse.ArgumentParser(prog="bench/pages.py misses")
    parser.add_argument("--slug", required=True)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    urls = {"bare": "/bench/bare/", LIST: "/", PROJECT: f"/p/{args.slug}/"}
    client = Client(HTTP_ACCEPT_ENCODING="gzip")

    def get(url):
        client.cookies.clear()  # an anonymous visitor's first request, as wrk's
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response

    for _ in range(args.warm):  # templates compiled, database connection open
        for url in urls.values():
            cache.clear()
            get(url)
    shape = {}
    for name, url in urls.items():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = get(url)
        shape[name] = {
            "queries": len(queries),
            "bytes": len(response.content),
            "encoding": response.get("Content-Encoding", ""),
        }
    times = {name: [] for name in urls}
    for _ in range(args.count):
        for name, url in urls.items():  # interleaved: all see the same machine
            cache.clear()
            started = time.perf_counter()
            get(url)
            times[name].append((time.perf_counter() - started) * 1000)
    result = {
        name: {
            **shape[name],
            "median": statistics.median(values),
            "p90": statistics.quantiles(values, n=10)[-1],
        }
        for name, values in times.items()
    }
    print("RESULT " + json.dumps(result), flush=True)


def measure_misses(env, slug, count):
    output = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "misses", "--slug", slug, "--count", str(count)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    if output.stderr.strip():
        print(output.stderr.strip(), file=sys.stderr)
    return result_line(output.stdout)


# The writer: pledges through the service, at a steady rate ---------------------------------------


def writer_main(argv):
    parser = argparse.ArgumentParser(prog="bench/pages.py writer")
    parser.add_argument("--need", type=int, required=True, help="an open cash need's id")
    parser.add_argument("--rate", type=float, default=10.0, help="pledges a second")
    parser.add_argument("--donors", type=int, default=200)
    parser.add_argument("--keep-pledges", action="store_true", help="do not cancel the pledges made")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from decimal import Decimal

    from django.core.cache import cache

    from accounts.models import Member
    from core import cache_versions
    from donations import permissions, services
    from donations.models import Need, Pledge

    rng = random.Random(args.seed)
    need = Need.objects.select_related("project").get(pk=args.need)
    channels = [channel for channel in Pledge.channels_for(need) if channel != Pledge.Channel.CARD]
    member_ids = list(Member.objects.filter(is_active=True, is_superuser=False).values_list("pk", flat=True))
    sample = rng.sample(member_ids, min(len(member_ids), args.donors * 2))
    donors = [
        member
        for member in Member.objects.filter(pk__in=sample).order_by("pk")
        if not member.is_erased and permissions.can_pledge(member, need)
    ][: args.donors]
    if not donors:
        raise SystemExit("no member may pledge on this need")
    rng.shuffle(donors)

    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    version_key = cache_versions.project_key(need.project.slug)
    print("ready", flush=True)

    interval = 1 / args.rate
    made, failures, durations, offsets = [], [], [], []
    version_changed = None
    started = time.monotonic()
    number = 0
    while not stopping:
        delay = started + number * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
            if stopping:
                break
        before = cache.get(version_key) if number == 0 else None
        begun = time.perf_counter()
        try:
            pledge = services.pledge_create(
                donor=donors[number % len(donors)],
                need=need,
                quantity=Decimal(rng.choice([50, 100, 200, 500, 1000])),
                channel=channels[number % len(channels)],
                visibility=Pledge.Visibility.ANONYMOUS if rng.random() < 0.2 else Pledge.Visibility.PUBLIC,
            )
        except Exception as error:  # counted and shown: the bench goes on
            failures.append(repr(error))
        else:
            durations.append((time.perf_counter() - begun) * 1000)
            offsets.append(time.monotonic() - started)
            made.append(pledge.pk)
        if number == 0:
            # The service commits and changes the project's cache version, as in production.
            version_changed = cache.get(version_key) not in (None, before)
        number += 1
    elapsed = time.monotonic() - started
    per_second = [0] * int(elapsed)
    for offset in offsets:
        if int(offset) < len(per_second):
            per_second[int(offset)] += 1
    result = {
        "made": len(made),
        "seconds": elapsed,
        "rate": len(made) / elapsed if elapsed else 0.0,
        "per_second_min": min(per_second, default=0),
        "per_second_max": max(per_second, default=0),
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
        "pledge_ms_median": statistics.median(durations) if durations else 0.0,
        "pledge_ms_max": max(durations, default=0.0),
        "donors": len({donors[n % len(donors)].pk for n in range(number)}),
        "version_changed": version_changed,
        "cancelled": 0,
    }
    if not args.keep_pledges:
        # Through the service too, so that whatever it keeps in step (cache versions, totals) stays right.
        for pledge in Pledge.objects.filter(pk__in=made).select_related("need", "donor"):
            services.pledge_cancel(pledge=pledge, actor=pledge.donor)
            result["cancelled"] += 1
    print("RESULT " + json.dumps(result), flush=True)


def start_writer(env, need_id, rate, keep_pledges):
    command = [PYTHON, str(Path(__file__).resolve()), "writer", "--need", str(need_id), "--rate", str(rate)]
    writer = subprocess.Popen(
        [*command, *(["--keep-pledges"] if keep_pledges else [])],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches the bench, which stops the writer (it cleans up)
    )
    if writer.stdout.readline().strip() != "ready":
        writer.wait(timeout=30)
        raise SystemExit("the writer did not start")
    return writer


def stop_writer(writer):
    writer.send_signal(signal.SIGTERM)
    output, _ = writer.communicate(timeout=600)
    return result_line(output)


# The run ---------------------------------------------------------------------------------------


def verdict(ok):
    return "PASS" if ok else "FAIL"


def spaced(number):
    return f"{number:,.0f}".replace(",", " ")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_arguments(parser)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL and round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of measures, with and without the writer")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--misses", type=int, default=30, help="cache misses measured in process, each page")
    parser.add_argument("--pledge-rate", type=float, default=10.0, help="the writer's pledges a second")
    parser.add_argument("--keep-pledges", action="store_true", help="leave the writer's pledges standing")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    env = bench_env(args.database_url, args.redis_url)
    slug = prepare_database(env, args.database_url, args.projects, args.pledges)
    community, need_id, other = bench_targets(args.database_url, slug)
    collect_static(env)

    print(f"\ncache misses, in process, {args.misses} each (the Django cache cleared before each request)…")
    flush_redis(args.redis_url)
    began = time.monotonic()
    misses = measure_misses(env, slug, args.misses)
    print(f"  done ({time.monotonic() - began:.0f} s)")

    base = f"http://127.0.0.1:{args.port}"
    urls = {
        "bare": f"{base}/bench/bare/",
        LIST: f"{base}/",
        PROJECT: f"{base}/p/{slug}/",
        "GET /c/<community>/": f"{base}/c/{community}/",
        "GET /p/<slug>/feed.atom": f"{base}/p/{slug}/feed.atom",
        "GET /p/<slug>/badge.svg": f"{base}/p/{slug}/badge.svg",
        OTHER: f"{base}/p/{other}/",
    }

    def rounds():
        return [
            {
                name: measure(url, args.duration, args.connections, args.threads, headers=BROWSER_HEADERS)
                for name, url in urls.items()
            }
            for _ in range(args.rounds)
        ]

    print(
        f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per URL and round, "
        f"{args.rounds} rounds, Accept-Encoding: gzip"
    )
    flush_redis(args.redis_url)
    server = start_server(env, args.port)
    try:
        began = time.monotonic()
        quiet = rounds()
        print(f"  done ({time.monotonic() - began:.0f} s)")
        print(f"writer: {args.pledge_rate:g} pledges/s on need {need_id} of {slug}…")
        writer = start_writer(env, need_id, args.pledge_rate, args.keep_pledges)
        try:
            began = time.monotonic()
            writing = rounds()
            print(f"  done ({time.monotonic() - began:.0f} s)")
        finally:
            began = time.monotonic()
            written = stop_writer(writer)
            print(f"  writer stopped ({time.monotonic() - began:.0f} s, with the cancelling of its pledges)")
    finally:
        stop_server(server)

    print(f"\n<slug> = {slug}, <community> = {community}, <other-slug> = {other}")
    quiet = report("without writes", quiet)
    label = f"while the writer makes {args.pledge_rate:g} pledges/s on {slug}"
    writing = report(label, writing)

    print(
        f"\nwriter: {written['made']} pledges in {written['seconds']:.1f} s = {written['rate']:.2f} pledges/s "
        f"(asked {args.pledge_rate:g}; {written['per_second_min']}–{written['per_second_max']} in each second; "
        f"{written['failed']} failed{': ' + written['first_failure'] if written['failed'] else ''}); "
        f"pledge_create median {written['pledge_ms_median']:.1f} ms, max {written['pledge_ms_max']:.1f} ms; "
        f"{written['donors']} donors; cache version changed on commit: {written['version_changed']}; "
        f"{written['cancelled']} cancelled afterwards"
    )

    print(f"\ncache miss, server time in process (median of {args.misses}; the whole Django cache cleared each time)")
    print(f"{'page':<24}{'median ms':>10}{'p90 ms':>9}{'queries':>9}{'KB':>8}  encoding")
    for name, figures in misses.items():
        print(
            f"{name:<24}{figures['median']:>10.2f}{figures['p90']:>9.2f}{figures['queries']:>9}"
            f"{figures['bytes'] / 1024:>8.1f}  {figures['encoding'] or '-'}"
        )

    lines = []
    for name, figures in quiet.items():
        if name == "bare":
            continue
        ok = figures["ratio"] >= TARGET_RATIO and figures["p99"] < TARGET_P99_MS and not figures["failed"]
        goal = "goal ≥ 0.5 met" if figures["ratio"] >= GOAL_RATIO else "goal ≥ 0.5 not yet"
        failed = f", {figures['failed']} failed requests" if figures["failed"] else ""
        lines.append(
            (
                f"{name}: ratio {figures['ratio']:.3f} (≥ {TARGET_RATIO}; {goal}), "
                f"p99 {figures['p99']:.1f} ms (< {TARGET_P99_MS:.0f}){failed}",
                ok,
            )
        )
    for name, target in TARGET_MISS_MS.items():
        figures = misses[name]
        lines.append(
            (
                f"cache miss {name}: median {figures['median']:.1f} ms, p90 {figures['p90']:.1f} ms "
                f"(≤ {target:.0f} ms; bare view {misses['bare']['median']:.2f} ms)",
                figures["median"] <= target,
            )
        )
    under = writing[PROJECT]
    lines.append(
        (
            f"{args.pledge_rate:g} pledges/s: {PROJECT} ratio {under['ratio']:.3f} (≥ {TARGET_RATIO_WRITING}), "
            f"p99 {under['p99']:.1f} ms" + (f", {under['failed']} failed requests" if under["failed"] else ""),
            under["ratio"] >= TARGET_RATIO_WRITING and not under["failed"],
        )
    )
    kept, before = writing[OTHER], quiet[OTHER]
    lines.append(
        (
            f"{args.pledge_rate:g} pledges/s: {OTHER} ratio {kept['ratio']:.3f} (≥ {TARGET_RATIO} and "
            f"≥ {KEEP_SHARE} × its {before['ratio']:.3f} without writes), p99 {kept['p99']:.1f} ms",
            kept["ratio"] >= TARGET_RATIO and kept["ratio"] >= KEEP_SHARE * before["ratio"] and not kept["failed"],
        )
    )
    lines.append(
        (
            f"writer kept its rate: {written['rate']:.2f} pledges/s (≥ 90 % of {args.pledge_rate:g}, "
            f"no failure; else the figures with writes are not the issue's)",
            written["rate"] >= 0.9 * args.pledge_rate and not written["failed"],
        )
    )
    print(f"\ntargets (issue 12; medians of {args.rounds} rounds, ratios to the bare view of the same round)")
    for text, ok in lines:
        print(f"  {verdict(ok)}  {text}")

    print(
        f"\nmarkdown (docs/performance.md): wrk {args.connections} connections, {args.rounds} rounds of "
        f"{args.duration} s, Accept-Encoding: gzip; writer {written['rate']:.1f} pledges/s on the project\n"
    )
    print(f"| URL | req/s | p99 | ratio | with {args.pledge_rate:g} pledges/s: req/s | p99 | ratio | target |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in urls:
        quiet_figures, writing_figures = quiet[name], writing[name]
        if name == "bare":
            target = ""
        else:
            met = quiet_figures["ratio"] >= TARGET_RATIO and quiet_figures["p99"] < TARGET_P99_MS
            target = f"≥ {TARGET_RATIO}, p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else '**not met**'}"
            if name == PROJECT:
                met = writing_figures["ratio"] >= TARGET_RATIO_WRITING
                target += f"; writing ≥ {TARGET_RATIO_WRITING}: {'met' if met else '**not met**'}"
            if name == OTHER:
                met = writing_figures["ratio"] >= max(TARGET_RATIO, KEEP_SHARE * quiet_figures["ratio"])
                target += f"; kept while writing: {'met' if met else '**not met**'}"
        shown = "bare view" if name == "bare" else f"`{name}`"
        print(
            f"| {shown} | {spaced(quiet_figures['rate'])} | {quiet_figures['p99']:.0f} ms | "
            f"{quiet_figures['ratio']:.3f} | {spaced(writing_figures['rate'])} | {writing_figures['p99']:.0f} ms | "
            f"{writing_figures['ratio']:.3f} | {target} |"
        )
    print(f"\n| cache miss, in process (N={args.misses}) | median | p90 | queries | target |")
    print("| --- | --- | --- | --- | --- |")
    for name, figures in misses.items():
        if name in TARGET_MISS_MS:
            met = figures["median"] <= TARGET_MISS_MS[name]
            target = f"≤ {TARGET_MISS_MS[name]:.0f} ms: {'met' if met else '**not met**'}"
        else:
            target = ""
        shown = "bare view" if name == "bare" else f"`{name}`"
        print(f"| {shown} | {figures['median']:.1f} ms | {figures['p90']:.1f} ms | {figures['queries']} | {target} |")


if __name__ == "__main__":
    modes = {"writer": writer_main, "misses": misses_main}
    if len(sys.argv) > 1 and sys.argv[1] in modes:
        modes[sys.argv[1]](sys.argv[2:])
    else:
        main()
