#!/usr/bin/env python3
# ruff: noqa: S310, S603, S607 - a local tool: it runs our own commands and fetches loopback URLs.
"""The directory's benchmark (`make bench`): see bench/README.md.

Builds or reuses the synthetic dataset, starts the site under gunicorn with the
production settings on the loopback, drives every benchmarked URL with wrk at a fixed
concurrency, and writes bench/results/<timestamp>.json and bench/results/latest.md.
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import browser_timing
import lighthouse
import nginx_site

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent.parent
RESULTS = BENCH / "results"
LUA = BENCH / "report.lua"
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ptce_bench"

FULL = {"poles": 2000, "structures": 100_000, "cooperators": 300_000, "years": 10}
QUICK = {"poles": 30, "structures": 300, "cooperators": 600, "years": 3}
# With --poles (or --sizes) alone, structures and cooperators keep the national
# proportions of FULL: 50 structures and 150 cooperators per pole.
STRUCTURES_PER_POLE = FULL["structures"] // FULL["poles"]
COOPERATORS_PER_POLE = FULL["cooperators"] // FULL["poles"]

# p95 budgets of issue 15 (milliseconds), for up to 2,000 poles and beyond (8,000);
# the CSV's is its full download time. The map feed and the CSV are measured after
# their first request (the "alone" one), which stores them for the data version.
PAGE_NAMES = ("home", "directory", "directory_filtered", "directory_search", "pole", "territory")
BUDGETS = {
    2000: {
        **dict.fromkeys(PAGE_NAMES, 60),
        # The JSON API's list and detail: within the budget of the pages they mirror.
        **dict.fromkeys(("api_list", "api_detail"), 60),
        "geojson": 25,
        "csv": 300,
        "statistics": 150,
        "changelist": 150,
        "browser": 300,
    },
    8000: {
        **dict.fromkeys(PAGE_NAMES, 100),
        **dict.fromkeys(("api_list", "api_detail"), 100),
        "geojson": 60,
        "csv": 1000,
        "statistics": 300,
        "changelist": 200,
        "browser": 450,
    },
}


def budgets_for(poles: int) -> dict:
    return BUDGETS[2000] if poles <= 2000 else BUDGETS[8000]


CSV_RSS_BUDGET_MB = 150


START = time.monotonic()


def log(message):
    print(f"[bench {time.monotonic() - START:6.1f}s] {message}", flush=True)


# --- Setup ---------------------------------------------------------------------------


def ensure_wrk():
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("wrk is missing: installing the Debian package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed and could not be installed (apt-get install wrk).")
    return shutil.which("wrk")


def ensure_postgres_database(url):
    """Create the PostgreSQL database when it does not exist yet."""
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def sized_database_url(url, sizes, seed):
    """Each dataset in its own PostgreSQL database, named after its sizes and seed
    (`ptce_bench_2000_100000_300000_10_s42`), reused while it holds that dataset. A
    SQLite URL is used as given (the quick runs of CI)."""
    if not url.startswith("postgres"):
        return url
    parsed = urllib.parse.urlparse(url)
    base = parsed.path.lstrip("/") or "ptce_bench"
    suffix = "_".join(str(sizes[name]) for name in ("poles", "structures", "cooperators", "years"))
    return parsed._replace(path=f"/{base}_{suffix}_s{seed}").geturl()


def manage(env, *args, capture=False):
    command = [PYTHON, str(ROOT / "manage.py"), *args]
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=capture, text=True, check=False
    )
    if result.returncode:
        if capture:
            sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"command failed: manage.py {' '.join(args)}")
    return result.stdout if capture else None


STATE_SCRIPT = """
import json
from poles.models import Pole
from members.models import Cooperator
from poles.models import KeyFigure, Structure
print("BENCHSTATE " + json.dumps({
    "real": Pole.objects.filter(is_synthetic=False).count(),
    "poles": Pole.objects.filter(is_synthetic=True).count(),
    "structures": Structure.objects.count(),
    "cooperators": Cooperator.objects.count(),
    "years": KeyFigure.objects.values("year").distinct().count(),
}))
"""

TARGETS_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.db.models import Count
from editors.models import EditorProfile
from editors.services import setup_editor_groups, sync_editor_group
from poles.models import Pole, Sector
from territories.models import Departement

published = Pole.objects.published()
# A pole with a typical number of members, seated in the département with most poles.
pole = (
    published.annotate(n=Count("memberships"))
    .order_by("n", "pk")[published.count() // 2]
)
departement = (
    Departement.objects.annotate(n=Count("communes__seated_poles"))
    .select_related("region").order_by("-n", "code").first()
)
sector = Sector.objects.annotate(n=Count("poles")).order_by("-n", "pk").first()
setup_editor_groups()
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
user.is_staff = True
user.set_password(PASSWORD)
user.save()
EditorProfile.objects.get_or_create(user=user, defaults={"role": EditorProfile.Role.NATIONAL})
sync_editor_group(user)
print("BENCHTARGETS " + json.dumps({
    "pole": pole.get_absolute_url(),
    "territory": departement.get_absolute_url(),
    "region_code": departement.region_id,
    "sector": sector.slug,
}))
"""


VACUUM_SCRIPT = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM (FULL, ANALYZE)")
    # VACUUM FULL leaves the visibility map empty: a plain VACUUM sets it, as autovacuum
    # keeps it on a production table at rest. Without it, every index-only scan reads
    # the table's pages too (the directory's count: a sequential scan of the poles,
    # 4.2 ms at 8,000 poles, against 1.3 ms from the index alone).
    cursor.execute("VACUUM")
    # Rewriting the tables writes their size in WAL: a checkpoint would then flush it
    # while the first URLs are measured (the floor served a third fewer requests in the
    # second of two runs back to back). Flushed now, before measuring; a role that may
    # not checkpoint (neither superuser nor pg_checkpoint) leaves it to the server.
    try:
        cursor.execute("CHECKPOINT")
    except Exception:  # noqa: BLE001 - measuring goes on without it
        pass
"""


def prepare_data(env, sizes, *, seed):
    # The generator belongs to the development-only app `devtools`, which the
    # production settings leave out: it runs with the development settings.
    env = {**env, "DJANGO_SETTINGS_MODULE": "ptce_site.settings.dev"}
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_territories", capture=True)
    manage(env, "load_reference", capture=True)
    out = manage(env, "shell", "-c", STATE_SCRIPT, capture=True)
    state = json.loads(re.search(r"BENCHSTATE (.*)", out).group(1))
    if state["real"]:
        sys.exit("This database holds real poles: the benchmark needs its own database.")
    generated = None
    # Reused while it holds the asked sizes (a poles-only check missed a run that was
    # interrupted while writing structures or cooperators).
    matches = (
        state["poles"] == sizes["poles"]
        and state["structures"] == sizes["structures"]
        and state["cooperators"] == sizes["cooperators"]
        and state["years"] >= min(sizes["years"], 1)
    )
    if not matches:
        log(f"generating the synthetic dataset ({sizes})")
        started = time.monotonic()
        args = [f"--{name}={value}" for name, value in sizes.items()] + [f"--seed={seed}"]
        if state["poles"]:
            args.append("--replace")
        print(manage(env, "generate_synthetic", *args, capture=True).strip())
        generated = round(time.monotonic() - started, 1)
    else:
        log(f"reusing the synthetic dataset already there ({state['poles']} poles)")
    if env["DATABASE_URL"].startswith("postgres"):
        # The generator writes each pole several times (its derived data, figures,
        # search text), and loading the territories again rewrites rows (the poles'
        # derived data among them) at every run. A plain VACUUM makes the dead versions
        # reusable but leaves the table as large: at 8,000 poles `poles_pole` had grown
        # to 11,483 pages for 1,347 pages of rows, and a search read 1,554 of them
        # instead of 1,126. A production table written by edits stays near its size
        # (autovacuum reclaims each edit's old version for the next): compacted, as
        # after a restore, before measuring (seconds at 2,000 poles, about a minute
        # at 8,000).
        log("compacting (VACUUM FULL), analysing, setting the visibility map (VACUUM), CHECKPOINT")
        manage(env, "shell", "-c", VACUUM_SCRIPT, capture=True)
    return generated


def find_targets(env, password):
    script = f"PASSWORD = {password!r}\n" + TARGETS_SCRIPT
    out = manage(env, "shell", "-c", script, capture=True)
    return json.loads(re.search(r"BENCHTARGETS (.*)", out).group(1))


# --- The server ----------------------------------------------------------------------


def start_gunicorn(env, port, workers, log_path):
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "ptce_site.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
        "--log-level=warning",
    ]
    log_file = open(log_path, "w")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if process.poll() is not None:
            sys.exit(f"gunicorn exited: see {log_path}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"gunicorn did not answer: see {log_path}")


def start_front(base, port, workdir, static_root):
    """nginx with deploy/nginx/ptce.conf (HTTPS, throwaway certificate) in front of the
    gunicorn on `port`: (its base URL, the TLS context trusting its certificate, its
    process). Without nginx (or openssl), gunicorn itself: (base, None, None)."""
    nginx = nginx_site.nginx_binary()
    if not nginx or not shutil.which("openssl"):
        log("nginx or openssl missing: the browser and Lighthouse talk to gunicorn directly")
        return base, None, None
    folder = workdir / "nginx"
    folder.mkdir()
    (folder / "media").mkdir()
    process, https_port, _http_port, certificate = nginx_site.start(
        nginx, folder, [port], media_root=folder / "media", static_root=static_root
    )
    context = ssl.create_default_context(cafile=str(certificate))
    front = f"https://127.0.0.1:{https_port}"
    for _ in range(100):
        if process.poll() is not None:
            sys.exit(f"nginx exited: see {folder / 'nginx.log'}")
        if probe(front + "/healthz", None, context)[0] == 200:
            log(f"nginx (deploy/nginx/ptce.conf, HTTPS) in front on {front}")
            return front, context, process
        time.sleep(0.1)
    process.terminate()
    sys.exit(f"nginx did not answer: see {folder / 'nginx.log'}")


def worker_pids(master_pid):
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_kb(pid, field="VmRSS"):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Peak resident memory of the gunicorn workers while a URL is driven."""

    def __init__(self, master_pid):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for pid in worker_pids(self.master_pid):
                self.peak_kb = max(self.peak_kb, rss_kb(pid))
            self.stopped.wait(0.05)

    def stop(self):
        self.stopped.set()
        self.join()
        return round(self.peak_kb / 1024, 1)


def login(base, username, password):
    """Sign in through the admin login form; return the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(
        base + "/admin/login/", data=data, headers={"Referer": base + "/admin/login/"}
    )
    opener.open(request).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        sys.exit("could not sign the benchmark editor in")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def probe(url, cookie, context=None):
    """Status, size and time of one request (the full body read); `context`: the TLS
    context for nginx's throwaway certificate."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120, context=context) as response:
            size = len(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        status, size = error.code, 0
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return f"failed: {error}", 0, round((time.monotonic() - started) * 1000, 1)
    return status, size, round((time.monotonic() - started) * 1000, 1)


def drain(base, *, seconds=120):
    """Wait until the workers are free again (requests wrk left in flight end)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _size, _ms = probe(base + "/healthz", None)
        if status == 200:
            return
        time.sleep(0.5)


def run_wrk(wrk, url, *, seconds, connections, threads, cookie):  # noqa: PLR0913 - keyword-only: wrk's own options
    env = {**os.environ, "BENCH_COOKIE": cookie or ""}
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=30s",
        "--latency",
        f"--script={LUA}",
        url,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    match = re.search(r"WRKJSON (\{.*\})", output.stdout)
    if not match:
        raise RuntimeError(f"wrk failed: {output.stdout}\n{output.stderr}")
    return json.loads(match.group(1))


# First visits of /poles/ timed in the browser: with twenty, the p95 (nearest rank) is the
# 19th; with ten it was the slowest visit, which one stall of the machine decides.
BROWSER_VISITS = 20


def browser_row(base, front, sizes, *, quick, access_log=None):
    """Navigation to the first marker on /poles/ in Chromium (browser_timing.py), through
    `front` (nginx, or gunicorn itself when nginx is missing). With nginx's `access_log`,
    also how long the server took for the visits' pages and feeds (slowest, median): a
    slow visit is then told from a slow server."""
    row = {"name": "browser", "path": "/poles/ (first marker)", "status": 200, "browser": True}
    row["front"] = "nginx (HTTPS)" if front.startswith("https:") else "gunicorn (no nginx)"
    missing = browser_timing.available()
    if missing:
        row["skipped"] = missing
        log(f"browser timing skipped: {missing}")
        return row
    drain(base)
    log_start = access_log.stat().st_size if access_log and access_log.exists() else 0
    try:
        timing = browser_timing.first_marker(front, runs=3 if quick else BROWSER_VISITS)
    except Exception as error:  # reported in the table: the run goes on
        row["skipped"] = f"browser failed: {str(error).splitlines()[0][:200]}"
        log(row["skipped"])
        return row
    budget = budgets_for(sizes["poles"])["browser"]
    row.update(
        p50_ms=timing["median_ms"],
        p95_ms=timing["p95_ms"],
        runs=timing["runs"],
        samples=timing["samples"],
        budget_ms=budget,
        within_budget=timing["p95_ms"] <= budget,
    )
    log(
        f"browser /poles/ first marker through {row['front']}: median {row['p50_ms']} ms, "
        f"p95 {row['p95_ms']} ms; medians of the marks: {timing['marks']}"
    )
    row["marks"] = timing["marks"]
    if access_log and access_log.exists():
        row["server_ms"] = server_times(access_log, log_start)
        log(f"browser visits' requests as nginx saw them: {row['server_ms']}")
    return row


def server_times(access_log, start) -> dict:
    """The median and slowest upstream time (ms) of the browser visits' pages and feeds
    (the uncounted first visit's too), from nginx's access log after byte `start`."""
    times = {}
    for name, path in (("page", "/poles/"), ("feed", "/poles/carte.json")):
        requests = nginx_site.request_times(access_log, path, start=start)
        upstream = sorted(upstream * 1000 for _total, upstream in requests)
        if upstream:
            times[name] = {
                "median": round(statistics.median(upstream), 1),
                "max": round(upstream[-1], 1),
            }
    return times


def lighthouse_rows(base, front, targets, folder, *, quick, context=None):  # noqa: PLR0913 - keyword-only: where the pages are read from
    """Lighthouse's mobile audit of the home, the directory and the pole page
    (lighthouse.py) through `front` (nginx): three runs each (one with --quick), the
    median's performance."""
    pages = [("home", "/"), ("directory", "/poles/"), ("pole", targets["pole"])]
    missing = lighthouse.lighthouse_available()
    if missing:
        log(f"lighthouse skipped: {missing}")
        return [{"name": name, "path": path, "skipped": missing} for name, path in pages]
    rows = []
    for name, path in pages:
        drain(base)
        # A first request warms the worker up, as in the stack test: Lighthouse measures
        # the page, not the first request after a start.
        probe(front + path, None, context)
        row = {"name": name, "path": path, "load_average": os.getloadavg()}
        try:
            row.update(lighthouse.audit_page(front + path, folder / name, runs=1 if quick else 3))
        except Exception as error:  # reported in the table: the run goes on
            row["skipped"] = f"lighthouse failed: {str(error).splitlines()[0][:200]}"
            log(row["skipped"])
            rows.append(row)
            continue
        log(
            f"lighthouse {name} {path}: performance {row['performance']} "
            f"({[run['performance'] for run in row['runs']]}), accessibility "
            f"{row['accessibility']}, best practices {row['best_practices']}, LCP "
            f"{row['lcp_ms']} ms, TBT {row['tbt_ms']} ms, CLS {row['cls']}, "
            f"{row['bytes']} bytes"
        )
        rows.append(row)
    return rows


# --- Reporting -----------------------------------------------------------------------


def browser_lines(row) -> list[str]:
    """The browser row's marks (and the server's times, with nginx) in `latest.md`."""
    lines = [
        "",
        f"Browser ({row['front']}), medians of {row['runs']} first visits, ms from the "
        "navigation's start: "
        + ", ".join(f"{name.removesuffix('_ms')} {value}" for name, value in row["marks"].items())
        + ".",
    ]
    if row.get("server_ms"):
        lines.append(
            "Upstream times of the visits' requests (nginx's log), ms: "
            + ", ".join(
                f"{name} median {times['median']}, slowest {times['max']}"
                for name, times in row["server_ms"].items()
            )
            + "."
        )
    return lines


def markdown(result):
    lines = [
        f"Benchmark of {result['started_at']} on {result['machine']['description']}",
        "",
        f"Dataset: {result['dataset']}; gunicorn {result['workers']} sync workers; "
        f"wrk {result['connections']} connections × {result['seconds']} s per URL; "
        f"page cache: {result['cache']}. Load average at start: "
        f"{', '.join(f'{value:.1f}' for value in result['machine']['load_average_at_start'])}.",
        "",
        "*alone ms*: one request on its own before the load (full body read); a URL that "
        "answers an error is reported, not measured.",
        "",
        "| URL | status | req/s | × floor | p50 ms | p95 ms | p99 ms | errors | peak RSS MB "
        "| alone ms | budget (p95 ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["urls"]:
        if row.get("skipped"):
            lines.append(
                f"| {row['name']} `{row['path']}` | {row['status']} | — | — | — | — | — | — "
                f"| — | — | {row['skipped']} |"
            )
            continue
        budget = row.get("budget_ms")
        verdict = ""
        if budget:
            verdict = f"{budget}: {'met' if row['within_budget'] else '**missed**'}"
        if row.get("browser"):
            lines.append(
                f"| {row['name']} `{row['path']}` | {row['status']} | — | — | {row['p50_ms']} "
                f"| {row['p95_ms']} | — | 0 | — | {row['runs']} runs | {verdict} |"
            )
            continue
        if not row["requests"]:
            lines.append(
                f"| {row['name']} `{row['path']}` | {row['status']} | 0 | 0 "
                f"| no request completed within {result['seconds']} s | | | {row['errors']} "
                f"| {row['peak_rss_mb']} | {row['single_request_ms']} | {verdict} |"
            )
            continue
        lines.append(
            f"| {row['name']} `{row['path']}` | {row['status']} | {row['rps']} "
            f"| {row['ratio_to_floor']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
            f"| {row['errors']} | {row['peak_rss_mb']} | {row['single_request_ms']} | {verdict} |"
        )
    for row in result["urls"]:
        if row.get("marks"):
            lines += browser_lines(row)
    if result.get("lighthouse"):
        lines += [
            "",
            "Lighthouse (mobile, simulated slow 4G, tiles blocked) against this gunicorn "
            f"through {result.get('front', 'gunicorn (no nginx)')}; performance, LCP and "
            "TBT the median of the runs (each run's performance in brackets); accessibility, "
            "best practices, CLS and bytes "
            "the worst run's. Budgets: accessibility 100, performance ≥ 90, CLS < 0.05. "
            "Load average before each page's runs: "
            + ", ".join(
                f"{row['name']} {row['load_average'][0]:.1f}"
                for row in result["lighthouse"]
                if row.get("load_average")
            )
            + ".",
            "",
            *lighthouse.markdown(result["lighthouse"]),
        ]
    if result.get("generation_seconds") is not None:
        lines += ["", f"Dataset generated in {result['generation_seconds']} s for this run."]
    return "\n".join(lines) + "\n"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb // 1024 // 1024} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "description": f"{os.cpu_count()} CPU ({cpu}){memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
    }


# --- Main ------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Tiny dataset, 1 s per URL (CI).")
    parser.add_argument("--database-url", help=f"Default: $DATABASE_URL or {DEFAULT_DATABASE_URL}")
    parser.add_argument("--seconds", type=int, help="Duration per URL (default 10, quick 1).")
    parser.add_argument("--connections", type=int, default=8, help="wrk concurrency (8).")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--cache",
        choices=["off", "redis"],
        default="off",
        help="Public page cache: off (measures the views) or redis (REDIS_URL or "
        "redis://127.0.0.1:6379/14): repeat views.",
    )
    parser.add_argument(
        "--only",
        help="Comma-separated URL names to run (default: all but `lighthouse`, which runs "
        "only when named).",
    )
    parser.add_argument("--poles", type=int, help="Synthetic poles (default 2000).")
    parser.add_argument("--structures", type=int, help="Member structures (default 50 per pole).")
    parser.add_argument("--cooperators", type=int, help="Cooperators (default 150 per pole).")
    parser.add_argument("--years", type=int, help="Years of key figures per pole (default 10).")
    parser.add_argument(
        "--sizes",
        help="Comma-separated numbers of poles (e.g. 200,2000,8000): one run per size, each "
        "in its own database, and one table of the growth per URL.",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="Build (or check) the datasets and stop: no server, no measure.",
    )
    parser.add_argument("--results", default=str(RESULTS), help="Where to write the results.")
    return parser.parse_args(argv)


def dataset_sizes(args, poles=None) -> dict:
    """The generator's sizes for one run: --quick's, or FULL's with the options given;
    structures and cooperators follow the number of poles unless given."""
    if args.quick:
        return dict(QUICK)
    poles = poles or args.poles or FULL["poles"]
    return {
        "poles": poles,
        "structures": args.structures or poles * STRUCTURES_PER_POLE,
        "cooperators": args.cooperators or poles * COOPERATORS_PER_POLE,
        "years": args.years or FULL["years"],
    }


def main(argv=None):
    args = parse_args(argv)
    base_url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if args.sizes:
        poles = [int(size) for size in args.sizes.split(",") if size.strip()]
        if args.structures or args.cooperators:
            sys.exit("--sizes scales structures and cooperators with the poles: do not give them.")
        runs = [dataset_sizes(args, size) for size in poles]
    else:
        runs = [dataset_sizes(args)]
    results = []
    for sizes in runs:
        # A database named on the command line holds the one size asked for; otherwise
        # each size has its own database, named after it.
        explicit = args.database_url and not args.sizes
        database_url = base_url if explicit else sized_database_url(base_url, sizes, args.seed)
        results.append(run(args, sizes, database_url))
    if len(results) > 1 and not args.prepare_only:
        table = growth_markdown(results)
        folder = Path(args.results)
        stamp = results[0]["started_at"].replace(":", "").replace("-", "")
        summary = {"sizes": [result["sizes"] for result in results], "runs": results}
        (folder / f"{stamp}-sizes.json").write_text(json.dumps(summary, indent=2) + "\n")
        (folder / "latest.md").write_text(
            table + "\n" + "\n".join(markdown(result) for result in results)
        )
        print()
        print(table)
    return results


def growth_markdown(results) -> str:
    """One table: each URL's p95 (and requests per second) at each size, and its growth
    from the smallest size to the largest."""
    first, last = results[0], results[-1]
    header = " | ".join(f"{result['sizes']['poles']} poles p95 ms (req/s)" for result in results)
    lines = [
        f"Growth per URL, {first['started_at']} on {first['machine']['description']}; "
        f"page cache {first['cache']}; each size in its own database.",
        "",
        f"| URL | {header} | growth p95 ×{last['sizes']['poles'] / first['sizes']['poles']:g} "
        "poles | budget (p95 ms) |",
        "|---|" + "---|" * len(results) + "---|---|",
    ]
    names = [row["name"] for row in first["urls"]]
    for name in names:
        cells, p95s, verdicts = [], [], []
        for result in results:
            row = next((row for row in result["urls"] if row["name"] == name), None)
            if not row or "p95_ms" not in row:
                cells.append("—")
                p95s.append(None)
                continue
            cells.append(f"{row['p95_ms']} ({row.get('rps', '—')})")
            p95s.append(row["p95_ms"])
            if row.get("budget_ms"):
                verdicts.append(
                    f"{row['budget_ms']}: {'met' if row['within_budget'] else '**missed**'}"
                )
        growth = f"{p95s[-1] / p95s[0]:.2f}" if p95s[0] and p95s[-1] else "—"
        lines.append(f"| {name} | {' | '.join(cells)} | {growth} | {' / '.join(verdicts)} |")
    return "\n".join(lines) + "\n"


def run(args, sizes, database_url):  # noqa: C901, PLR0915 - the benchmark's steps, read top-down as its README lists them
    seconds = max(1, round(args.seconds or (1 if args.quick else 10)))
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="ptce-bench-"))
    secret = secrets.token_urlsafe(50)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "STATIC_ROOT": str(workdir / "static"),
        # Stored feeds and exports start empty: the "alone" request of the map feed and
        # the CSV builds them (the first request of a data version).
        "STORED_BODIES_ROOT": str(workdir / "stored"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # wrk's load comes from one address: the API's rate limit would answer 429.
        "API_RATE_LIMIT": "0",
    }
    if args.cache == "redis":
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
        env["PUBLIC_CACHE_SECONDS"] = "600"
    else:
        env.pop("REDIS_URL", None)
        env["PUBLIC_CACHE_SECONDS"] = "0"
    if database_url.startswith("postgres"):
        ensure_postgres_database(database_url)
    log(f"migrating and loading the territories and reference lists ({database_url})")
    generation_seconds = prepare_data(env, sizes, seed=args.seed)
    if args.prepare_only:
        return {"sizes": sizes, "database": database_url, "generation_seconds": generation_seconds}
    password = secrets.token_urlsafe(16)
    targets = find_targets(env, password)
    log("collecting the static files")
    manage(env, "collectstatic", "--noinput", "-v0")

    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log(f"starting gunicorn on 127.0.0.1:{args.port} ({args.workers} workers)")
    server, base = start_gunicorn(env, args.port, args.workers, workdir / "gunicorn.log")
    front_process = None
    try:
        # The browser and Lighthouse load the pages through nginx, as visitors do (wrk
        # drives gunicorn itself: the views' own times).
        front, context, front_process = start_front(
            base, args.port, workdir, Path(env["STATIC_ROOT"])
        )
        cookie = login(base, "bench-editor", password)
        two_filters = urllib.parse.urlencode(
            {"region": targets["region_code"], "secteur": targets["sector"]}
        )
        urls = [
            ("floor", "/healthz", None),
            ("home", "/", None),
            ("directory", "/poles/", None),
            ("directory_filtered", f"/poles/?{two_filters}", None),
            ("directory_search", "/poles/?q=economie+solidaire", None),
            ("pole", targets["pole"], None),
            ("territory", targets["territory"], None),
            ("geojson", "/poles.geojson", None),
            ("csv", "/poles.csv", None),
            ("statistics", "/statistiques/", None),
            ("changelist", "/admin/poles/pole/", cookie),
            ("api_list", "/api/v1/poles/", None),
            ("api_detail", "/api/v1" + targets["pole"], None),
        ]
        if args.only:
            wanted = set(args.only.split(",")) | {"floor"}
            urls = [url for url in urls if url[0] in wanted]
        rows = []
        for name, path, url_cookie in urls:
            drain(base)
            status, size, single_ms = probe(base + path, url_cookie)
            row = {"name": name, "path": path, "status": status, "bytes": size}
            if not isinstance(status, int) or status >= 400:
                row["skipped"] = (
                    "not implemented (404)"
                    if status == 404
                    else (f"HTTP {status}" if isinstance(status, int) else status)
                )
                log(f"{name} {path}: HTTP {status}, skipped")
                rows.append(row)
                continue
            sampler = RssSampler(server.pid)
            sampler.start()
            numbers = run_wrk(
                wrk,
                base + path,
                seconds=seconds,
                connections=args.connections,
                threads=min(args.threads, args.connections),
                cookie=url_cookie,
            )
            peak = sampler.stop()
            errors = sum(numbers[key] for key in numbers if key.startswith("errors_"))
            row.update(
                single_request_ms=single_ms,
                requests=numbers["requests"],
                rps=round(numbers["requests"] / (numbers["duration_us"] / 1e6), 1),
                p50_ms=round(numbers["p50_ms"], 1),
                p95_ms=round(numbers["p95_ms"], 1),
                p99_ms=round(numbers["p99_ms"], 1),
                max_ms=round(numbers["max_ms"], 1),
                errors=errors,
                errors_detail={k: v for k, v in numbers.items() if k.startswith("errors_")},
                peak_rss_mb=peak,
            )
            budget = budgets_for(sizes["poles"]).get(name)
            if budget:
                row["budget_ms"] = budget
                row["within_budget"] = (
                    numbers["requests"] > 0 and row["p95_ms"] <= budget and not errors
                )
                if name == "csv":
                    row["within_budget"] = row["within_budget"] and peak < CSV_RSS_BUDGET_MB
            log(
                f"{name} {path}: {row['rps']} req/s, p50 {row['p50_ms']} ms, "
                f"p95 {row['p95_ms']} ms, p99 {row['p99_ms']} ms, errors {errors}, "
                f"RSS {peak} MB"
            )
            rows.append(row)
        if not args.only or "browser" in args.only.split(","):
            access_log = workdir / "nginx" / "nginx-access.log" if front_process else None
            rows.append(browser_row(base, front, sizes, quick=args.quick, access_log=access_log))
        # Not in the default set: nine Lighthouse runs take minutes (README).
        audits = None
        if args.only and "lighthouse" in args.only.split(","):
            # The reports (Lighthouse's JSON, which names every audit) are kept beside
            # the results: <results>/<timestamp>-lighthouse/<page>/run-<n>.json.
            reports = Path(args.results) / (
                started_at.replace(":", "").replace("-", "") + "-lighthouse"
            )
            audits = lighthouse_rows(
                base, front, targets, reports, quick=args.quick, context=context
            )
        floor = next((row for row in rows if row["name"] == "floor" and "rps" in row), None)
        for row in rows:
            if floor and "rps" in row:
                row["ratio_to_floor"] = round(row["rps"] / floor["rps"], 3)
        workers_hwm = [round(rss_kb(pid, "VmHWM") / 1024, 1) for pid in worker_pids(server.pid)]
    finally:
        if front_process is not None and front_process.poll() is None:
            front_process.send_signal(signal.SIGQUIT)  # nginx stops gracefully
            front_process.wait(timeout=20)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    parsed = urllib.parse.urlparse(database_url)
    result = {
        "started_at": started_at,
        "machine": machine(),
        "database": f"{parsed.scheme}://{parsed.hostname or ''}/{parsed.path.lstrip('/')}",
        "dataset": ", ".join(f"{value} {name}" for name, value in sizes.items()),
        "sizes": sizes,
        "generation_seconds": generation_seconds,
        "workers": args.workers,
        "connections": args.connections,
        "threads": args.threads,
        "seconds": seconds,
        "cache": args.cache,
        "front": "nginx (HTTPS)" if front.startswith("https:") else "gunicorn (no nginx)",
        "quick": args.quick,
        "workers_peak_rss_mb": workers_hwm,
        "urls": rows,
    }
    if audits is not None:
        result["lighthouse"] = audits
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stamp = started_at.replace(":", "").replace("-", "")
    (results / f"{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (results / "latest.md").write_text(table)
    print()
    print(table)
    shutil.rmtree(workdir, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
