"""`make bench` keeps working: a quick run on a tiny dataset (its numbers are not asserted)."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wrk_available() -> bool:
    # devtools/bench/run.py installs wrk with apt-get when it is missing (as root, as in CI).
    return bool(shutil.which("wrk") or (shutil.which("apt-get") and os.geteuid() == 0))


@pytest.fixture
def bench_database(tmp_path):
    """SQLite by default; on PostgreSQL (DATABASE_URL) a throwaway database beside the
    test one, so the generator's COPY path and the PostgreSQL set-up run too."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'ptce'}_bench_smoke"
    admin = parsed._replace(path="/postgres").geturl()

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    yield parsed._replace(path=f"/{name}").geturl()
    drop()


def free_port() -> int:
    # CI runs the SQLite and PostgreSQL suites side by side: never a fixed port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(not wrk_available(), reason="wrk is not installed and apt-get is unusable")
def test_the_benchmark_runs_in_quick_mode(tmp_path, bench_database):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    results = tmp_path / "results"
    completed = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(ROOT / "devtools" / "bench" / "run.py"),
            "--quick",
            f"--database-url={bench_database}",
            f"--results={results}",
            "--connections=2",
            f"--port={free_port()}",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (report,) = results.glob("*.json")
    data = json.loads(report.read_text())
    names = {row["name"] for row in data["urls"]}
    assert {"floor", "home", "directory", "pole", "territory", "geojson", "changelist"} <= names
    for name in ("api_list", "api_detail"):
        api = next(row for row in data["urls"] if row["name"] == name)
        assert api["status"] == 200 and api["errors"] == 0, api
    floor = next(row for row in data["urls"] if row["name"] == "floor")
    assert floor["status"] == 200 and floor["requests"] > 0
    changelist = next(row for row in data["urls"] if row["name"] == "changelist")
    assert changelist["status"] == 200, "the benchmark editor could not open the changelist"
    assert "| URL |" in (results / "latest.md").read_text()
    # Lighthouse takes minutes: only with --only lighthouse (devtools/bench/README.md).
    assert "lighthouse" not in data
