"""Benchmark of the REST API at scale (not a test). Run from the project folder:

    .venv/bin/python bench/api.py [--duration 10] [--connections 16]

1. Makes a PostgreSQL database of its own (tiwizi_bench) and fills it once with
   `manage.py generate_load_data --projects 10000 --pledges 300000` (kept between runs).
2. Serves the app with gunicorn, 2 sync workers, the response cache in Redis (db 15, flushed),
   static files collected first as in production (bench/serving.py, shared with bench/pages.py).
3. Measures with wrk, from a second process, a bare Django view returning constant JSON
   (bench/urls.py), GET /api/v1/projects/?page_size=20 and a project's detail, back to back, in
   several rounds (the machine may be shared: each ratio compares with its own round's bare view).
4. Does it again, one round, with the response cache off (the SQL read path on every request).
Prints throughput and p50/p99 latency of each, the ratio endpoint / bare view, and the medians.
Needs wrk (apt-get install wrk) and PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
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

TARGET_RATIO = 0.35
TARGET_P99_MS = 100.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_arguments(parser)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of measures with the cache on")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-uncached", action="store_true", help="do not measure with the cache off")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    env = bench_env(args.database_url, args.redis_url)
    slug = prepare_database(env, args.database_url, args.projects, args.pledges)
    collect_static(env)
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
