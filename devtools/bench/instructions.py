#!/usr/bin/env python3
# ruff: noqa: S603, S607 - a local tool: it runs valgrind on our own code.
"""Instructions per request, counted by valgrind's callgrind: the Python side of a page's
cost, the same from run to run whatever else the machine is doing.

Wall and CPU times of a request vary by tens of per cent on a shared two-core machine;
callgrind counts the instructions the Django process executes (not PostgreSQL's), which
do not. Use it to compare two versions of the code on the same dataset:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ptce_bench_2000_100000_300000_10_s42 \\
        .venv/bin/python devtools/bench/instructions.py / /poles/ "/poles/?q=economie"

Each URL is requested 3 times (warming caches, as a worker that has served a few
requests), then `--requests` times (default 5) with the counters on; the report is
millions of instructions per request. About a minute of setup under valgrind, then
about a second per request. `--login USERNAME` requests them signed in as that staff user
(the admin's pages: `--login bench-editor /admin/poles/pole/`, the national editor
`make bench` creates on its dataset; signing in writes a session row, so use a copy of a
shared dataset). Production settings (`ptce_site.settings.prod`, page cache
off, `DEBUG` off), the test client (no gunicorn, no network), the static files'
manifest collected into a temporary directory first.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from in_process import production_env

ROOT = Path(__file__).resolve().parent.parent.parent


def child(urls: list[str], requests: int, login: str | None = None) -> None:
    """Under valgrind: serve the URLs, dumping callgrind's counters between phases."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    client = Client()
    if login:
        from django.contrib.auth import get_user_model

        # A session as the admin's login form makes one (run.py signs in through it).
        client.force_login(get_user_model().objects.get(username=login))
    pid = str(os.getpid())

    def dump(label: str) -> None:
        subprocess.run(["callgrind_control", "-d", label, pid], capture_output=True, check=False)

    for url in urls:
        for _ in range(3):
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
        dump("warm")
        for _ in range(requests):
            client.get(url)
        dump(f"url {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--login", metavar="USERNAME", help="sign this staff user in first")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.urls, args.requests, args.login)
        return
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (a benchmark dataset, e.g. make bench's).")
    workdir = Path(tempfile.mkdtemp(prefix="ptce-instructions-"))
    env = {
        **production_env(workdir, "instructions"),
        "STATIC_ROOT": str(workdir / "static"),
        # The same hashes from run to run: set and dict orders, hence instructions.
        "PYTHONHASHSEED": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={workdir}/cg.%p",
            sys.executable,
            __file__,
            "--child",
            "--requests",
            str(args.requests),
            *(["--login", args.login] if args.login else []),
            *args.urls,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    rows = []
    for dump in workdir.glob("cg.*"):
        text = dump.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: (?:.*? )?url (.+)$", text, re.M)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if trigger and total:
            rows.append((trigger[1], int(total[1]) / args.requests / 1e6))
    order = {url: index for index, url in enumerate(args.urls)}
    for url, millions in sorted(rows, key=lambda row: order.get(row[0], 0)):
        print(f"{millions:8.1f} M instructions/request  {url}")


if __name__ == "__main__":
    main()
