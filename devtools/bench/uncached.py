#!/usr/bin/env python3
# ruff: noqa: S603 - a local tool: it runs our own code in child processes.
"""A page's first request after an edit, timed in-process: page cache off and emptied
before each request, so that every request computes everything (issue 15's budget for
`/statistiques/`: 150 ms at 2,000 poles, 300 ms at 8,000).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ptce_stats_8000 \\
        .venv/bin/python devtools/bench/uncached.py --checkout ../main --checkout . \\
        --runs 3 /statistiques/

Each run is a fresh Django process (production settings, `DEBUG` off, no Redis, the
test client: no gunicorn, no network) that requests each URL once to warm up, then
`--requests` times (default 9), emptying the cache before each. With several
`--checkout`s, the runs alternate between them on the same database, so that two
versions of the code meet the same machine load. Per run: the wall time's minimum and
median, the median time spent waiting for the database, the PostgreSQL backend's own
CPU time per request (from /proc: parallel workers not counted), the Django process's
CPU time, the number of queries, and with `--per-query` each query's median time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from in_process import production_env

HERE = Path(__file__).resolve().parent.parent.parent


def _backend_cpu_ms(pid: int) -> float | None:
    """A local PostgreSQL backend's user and system CPU time so far, in ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def child(urls: list[str], requests: int) -> None:
    """In a checkout: time the URLs, print one JSON line per URL."""
    import django

    django.setup()
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    client = Client()
    timings = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((" ".join(sql.split())[:90], time.perf_counter() - start))

    def clear():
        for cache in caches.all():
            cache.clear()

    for url in urls:
        clear()
        if client.get(url).status_code != 200:
            raise SystemExit(f"{url}: not 200")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0"
            )
            backend = cursor.fetchone()[0]
        samples = []
        for _ in range(requests):
            clear()
            timings.clear()
            pg_before = _backend_cpu_ms(backend) if backend else None
            cpu, wall = time.process_time(), time.perf_counter()
            with connection.execute_wrapper(timed):
                status = client.get(url).status_code
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            pg_after = _backend_cpu_ms(backend) if backend else None
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            samples.append(
                {
                    "wall": wall * 1000,
                    "cpu": cpu * 1000,
                    "db": sum(seconds for _, seconds in timings) * 1000,
                    "pg_cpu": pg_after - pg_before if pg_before is not None else None,
                    "queries": [(sql, seconds * 1000) for sql, seconds in timings],
                }
            )
        print(json.dumps({"url": url, "samples": samples}), flush=True)


def summary(samples: list[dict]) -> dict:
    walls = [sample["wall"] for sample in samples]
    pg = [sample["pg_cpu"] for sample in samples if sample["pg_cpu"] is not None]
    return {
        "wall_min": min(walls),
        "wall_median": statistics.median(walls),
        "db_median": statistics.median(sample["db"] for sample in samples),
        "pg_cpu_mean": statistics.mean(pg) if pg else None,
        "cpu_median": statistics.median(sample["cpu"] for sample in samples),
        "queries": len(samples[0]["queries"]),
    }


def per_query(samples: list[dict]) -> list[tuple[float, str]]:
    """Each query's median time (queries in the same order in every request)."""
    count = min(len(sample["queries"]) for sample in samples)
    rows = []
    for index in range(count):
        times = [sample["queries"][index][1] for sample in samples]
        rows.append((statistics.median(times), samples[0]["queries"][index][0]))
    return sorted(rows, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument(
        "--checkout",
        action="append",
        type=Path,
        help="a checkout of the code to time (repeat to alternate; default: this one)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per checkout")
    parser.add_argument("--requests", type=int, default=9, help="timed requests per URL")
    parser.add_argument("--per-query", action="store_true", help="each query's median time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        child(args.urls, args.requests)
        return
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (a copy of a benchmark dataset).")
    checkouts = [path.resolve() for path in (args.checkout or [HERE])]
    workdir = Path(tempfile.mkdtemp(prefix="ptce-uncached-"))
    env = production_env(workdir, "uncached")
    envs = {}
    for index, checkout in enumerate(checkouts):
        envs[checkout] = {**env, "STATIC_ROOT": str(workdir / f"static-{index}")}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=checkout,
            env=envs[checkout],
            check=True,
        )
    print(
        f"load average {os.getloadavg()[0]:.1f} at {time.strftime('%H:%M:%S UTC', time.gmtime())}"
    )
    print(
        "run  checkout                    url                "
        "wall min  median  db med  PG cpu  py cpu  queries"
    )
    for run in range(1, args.runs + 1):
        for checkout in checkouts:
            output = subprocess.run(
                [sys.executable, __file__, "--child", "--requests", str(args.requests), *args.urls],
                cwd=checkout,
                env=envs[checkout],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for line in output.splitlines():
                if not line.startswith("{"):
                    continue
                result = json.loads(line)
                numbers = summary(result["samples"])
                pg = numbers["pg_cpu_mean"]
                print(
                    f"{run:<4} {str(checkout)[-27:]:<27} {result['url'][:18]:<18} "
                    f"{numbers['wall_min']:8.0f} {numbers['wall_median']:7.0f} "
                    f"{numbers['db_median']:7.0f} {pg if pg is not None else float('nan'):7.0f} "
                    f"{numbers['cpu_median']:7.0f} {numbers['queries']:8d}",
                    flush=True,
                )
                if args.per_query:
                    for median, sql in per_query(result["samples"]):
                        print(f"       {median:7.1f} ms  {sql}")
    print(
        f"load average {os.getloadavg()[0]:.1f} at {time.strftime('%H:%M:%S UTC', time.gmtime())}"
    )


if __name__ == "__main__":
    main()
