"""What the benchmarks that serve the app over HTTP share (bench/api.py, bench/pages.py): the
environment, the PostgreSQL database filled by generate_load_data (kept between runs), static
files collected as production serves them, gunicorn with 2 sync workers, and wrk from a second
process with its output read back.

Not named http.py: run as a script, bench/ comes first on sys.path, where it would stand for the
standard library's http package (urllib.request imports http.client).
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiwizi_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
# Collected once, reused by later runs (collectstatic copies only what changed); outside the tree.
STATIC_ROOT = Path(tempfile.gettempdir()) / "tiwizi-bench-static"


def bench_env(database_url, redis_url, **extra):
    """The environment of every process of a run (server, writer, in-process measures)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(STATIC_ROOT),
        # Hashed, pre-compressed static files served by WhiteNoise, as in production.
        "STATIC_MANIFEST": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Throttling runs (its cache reads are part of the cost) but never refuses the load.
        "API_THROTTLE_ANONYMOUS": "100000000/minute",
        **extra,
    }


def run(command, env, **kwargs):
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def prepare_database(env, database_url, projects, pledges):
    """Create the database if missing, migrate, fill it once (generate_load_data creates nothing
    when its data is there). Returns the slug of the open project with the most pledges."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    print(f"migrated ({time.monotonic() - started:.0f} s)")
    started = time.monotonic()
    run([PYTHON, "manage.py", "generate_load_data", "--projects", str(projects), "--pledges", str(pledges)], env)
    print(f"data ready ({time.monotonic() - started:.0f} s)")
    with psycopg.connect(database_url, autocommit=True) as connection:
        # VACUUM too: the benchmark's writer cancels its pledges, and an interrupted load rolls
        # back; their dead rows slow the planner down (measured: 6 ms to plan the supporters'
        # query with as many dead pledges as live ones, 0.8 ms after VACUUM).
        connection.execute("VACUUM ANALYZE")
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


def collect_static(env):
    """What production runs before serving: the pages link the collected, hashed files when the
    settings ask for a manifest (WhiteNoise), and a missing entry is then an error on every page."""
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)


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


def parse_bytes(text):
    value, unit = re.match(r"([\d.]+)([KMG]?B)", text).groups()
    return float(value) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[unit]


def measure(url, duration, connections, threads, headers=None, warm=20, timeout="10s"):
    """wrk on one URL, after `warm` requests that fill the caches and open database connections.
    `headers` go with every request, warm ones included. wrk waits `timeout` for an answer (its
    default, 2 s, would drop the slowest requests of an uncached page from the percentiles)."""
    headers = headers or {}
    for _ in range(warm):
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read()
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = parse_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = parse_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    transfer = parse_bytes(re.search(r"Transfer/sec:\s+(\S+)", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": sum(int(count) for count in socket_errors.groups()) if socket_errors else 0,
        # Bytes a response, headers included (as sent: compressed when the server compresses).
        "size": transfer / rate if rate else 0.0,
    }


def report(label, rounds):
    """Each round measured the bare view and the endpoints back to back; a ratio compares an endpoint
    with the bare view of its own round (the machine's other load changes between rounds).
    Returns the median over the rounds of each endpoint's rate, p99 and ratio."""
    print(f"\n{label}")
    print(
        f"{'round':<7}{'endpoint':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'non-2xx':>9}"
        f"{'errors':>8}{'KB/resp':>9}"
    )
    for number, results in enumerate(rounds, start=1):
        bare = results["bare"]["rate"]
        for name, result in results.items():
            print(
                f"{number:<7}{name:<36}{result['rate']:>9.0f}{result['p50']:>9.2f}{result['p99']:>9.2f}"
                f"{result['rate'] / bare:>8.3f}{result['non2xx']:>9}{result['errors']:>8}"
                f"{result['size'] / 1024:>9.1f}"
            )
    summary = {}
    for name in rounds[0]:
        ratios = sorted(results[name]["rate"] / results["bare"]["rate"] for results in rounds)
        p99s = sorted(results[name]["p99"] for results in rounds)
        rates = sorted(results[name]["rate"] for results in rounds)
        summary[name] = {
            "ratio": median(ratios),
            "p99": median(p99s),
            "rate": median(rates),
            "ratios": [results[name]["rate"] / results["bare"]["rate"] for results in rounds],
            "failed": sum(results[name]["non2xx"] + results[name]["errors"] for results in rounds),
        }
        print(
            f"median  {name:<36}{summary[name]['rate']:>9.0f}{'':>9}{summary[name]['p99']:>9.2f}"
            f"{summary[name]['ratio']:>8.3f}"
        )
    return summary


def add_server_arguments(parser):
    """The options every served benchmark shares: its data set, database, cache and wrk's load."""
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--pledges", type=int, default=300000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
