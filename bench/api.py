"""Benchmark of the REST API at scale (not a test). Run from the project folder:

    .venv/bin/python bench/api.py [--duration 10] [--connections 16]

1. Makes a PostgreSQL database of its own (tiwizi_bench) and fills it once with
   `manage.py generate_load_data --projects 10000 --pledges 300000` (kept between runs).
2. Serves the app with gunicorn, 2 sync workers, the response cache in Redis (db 15, flushed).
3. Measures with wrk, from a second process, a bare Django view returning constant JSON
   (bench/urls.py), GET /api/v1/projects/?page_size=20 and a project's detail, back to back, in
   several rounds (the machine may be shared: each ratio compares with its own round's bare view).
4. Does it again, one round, with the response cache off (the SQL read path on every request).
Prints throughput and p50/p99 latency of each, the ratio endpoint / bare view, and the medians.
Needs wrk (apt-get install wrk) and PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_RATIO = 0.35
TARGET_P99_MS = 100.0


def run(command, env, **kwargs):
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def prepare_database(env, database_url, projects, pledges):
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    started = time.monotonic()
    run([PYTHON, "manage.py", "generate_load_data", "--projects", str(projects), "--pledges", str(pledges)], env)
    print(f"data ready ({time.monotonic() - started:.0f} s)")
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE")
        slug = connection.execute(
            "SELECT p.slug FROM projects_project p JOIN donations_need n ON n.project_id = p.id "
            "JOIN donations_pledge g ON g.need_id = n.id WHERE p.status = 'open' "
            "GROUP BY p.slug ORDER BY count(*) DESC, p.slug LIMIT 1"
        ).fetchone()[0]
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM projects_project), (SELECT count(*) FROM donations_pledge), "
            "(SELECT count(*) FROM donations_reception)"
        ).fetchone()
    print(f"{counts[0]} projects, {counts[1]} pledges, {counts[2]} receptions; detail of {slug}")
    return slug


def flush_redis(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def start_server(env, port):
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def parse_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(url, duration, connections, threads):
    for _ in range(20):  # warm: the first requests fill the caches and open database connections
        urllib.request.urlopen(url, timeout=30).read()
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = parse_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = parse_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p50": p50, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0}


def report(label, rounds):
    """Each round measured the bare view and the endpoints back to back; a ratio compares an endpoint
    with the bare view of its own round (the machine's other load changes between rounds)."""
    print(f"\n{label}")
    print(f"{'round':<7}{'endpoint':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'non-2xx':>9}")
    for number, results in enumerate(rounds, start=1):
        bare = results["bare"]["rate"]
        for name, result in results.items():
            print(
                f"{number:<7}{name:<36}{result['rate']:>9.0f}{result['p50']:>9.2f}{result['p99']:>9.2f}"
                f"{result['rate'] / bare:>8.3f}{result['non2xx']:>9}"
            )
    summary = {}
    for name in rounds[0]:
        ratios = sorted(results[name]["rate"] / results["bare"]["rate"] for results in rounds)
        p99s = sorted(results[name]["p99"] for results in rounds)
        rates = sorted(results[name]["rate"] for results in rounds)
        summary[name] = {"ratio": median(ratios), "p99": median(p99s), "rate": median(rates)}
        print(
            f"median  {name:<36}{summary[name]['rate']:>9.0f}{'':>9}{summary[name]['p99']:>9.2f}"
            f"{summary[name]['ratio']:>8.3f}"
        )
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tiwizi_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--pledges", type=int, default=300000)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of measures with the cache on")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-uncached", action="store_true", help="do not measure with the cache off")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": args.database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # Throttling runs (its cache reads are part of the cost) but never refuses the load.
        "API_THROTTLE_ANONYMOUS": "100000000/minute",
    }
    slug = prepare_database(env, args.database_url, args.projects, args.pledges)
    base = f"http://127.0.0.1:{args.port}"
    urls = {
        "bare": f"{base}/bench/bare/",
        "GET /api/v1/projects/?page_size=20": f"{base}/api/v1/projects/?page_size=20",
        "GET /api/v1/projects/<slug>/": f"{base}/api/v1/projects/{slug}/",
    }
    runs = [("response cache on (Redis)", {"API_RESPONSE_CACHE": "1"}, args.rounds)]
    if not args.skip_uncached:
        runs.append(("response cache off (SQL on every request)", {"API_RESPONSE_CACHE": "0"}, 1))
    print(f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per endpoint and round")
    summaries = {}
    for label, extra, count in runs:
        flush_redis(args.redis_url)
        server = start_server({**env, **extra}, args.port)
        try:
            rounds = [
                {name: measure(url, args.duration, args.connections, args.threads) for name, url in urls.items()}
                for _ in range(count)
            ]
        finally:
            stop_server(server)
        summaries[label] = report(label, rounds)

    listed = summaries[runs[0][0]]["GET /api/v1/projects/?page_size=20"]
    print(
        f"\nproject list / bare view (median of {args.rounds} rounds): {listed['ratio']:.3f} "
        f"(target ≥ {TARGET_RATIO}); p99 {listed['p99']:.1f} ms (target < {TARGET_P99_MS:.0f} ms) "
        f"at {args.connections} connections: "
        + ("target met" if listed["ratio"] >= TARGET_RATIO and listed["p99"] < TARGET_P99_MS else "target NOT met")
    )


if __name__ == "__main__":
    main()
