# ruff: noqa: S603 - runs our own pinned Lighthouse on loopback URLs.
"""Lighthouse (npm, pinned in package.json) in its default mobile mode, tiles blocked.

One implementation for both users of it:

- tests/stack/test_lighthouse.py holds the budgets below on the seed dataset, behind nginx
  (`from devtools.bench.lighthouse import …`: tests may import the development tools,
  the site's apps may not);
- the benchmark's `lighthouse` target (devtools/bench/run.py, `--only lighthouse`) records
  the same figures at national scale, against its own gunicorn.

Lighthouse's default mode simulates a mid-range phone on slow 4G (simulated throttling:
the page is loaded at full speed and the timings are computed from the trace). Map tiles
come from a third-party server: blocked, as every test does without network.
"""

import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("PTCE_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --ignore-certificate-errors"
# Tiles come from a third-party server: blocked, as every test does without network.
BLOCKED = ["*tile.openstreetmap.org*", "*.tile.*"]
CATEGORIES = "performance,accessibility,best-practices"

# The budgets the site holds (docs/testing.md#lighthouse).
ACCESSIBILITY = 1.0
PERFORMANCE = 0.90
LAYOUT_SHIFT = 0.05

# How many runs decide a page's performance: the median of three, as Lighthouse's own
# guidance on variability recommends.
RUNS = 3


class LighthouseError(RuntimeError):
    """Lighthouse did not produce a report."""


def lighthouse_available() -> str | None:
    """Why Lighthouse cannot run here, or None."""
    if not LIGHTHOUSE.exists():
        return f"{LIGHTHOUSE} is missing: run `npm ci`"
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        return f"Chromium not found at {CHROMIUM}"
    if not shutil.which("node"):
        return "node not found"
    return None


def command(url: str, output: Path) -> list[str]:
    return [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={CATEGORIES}",
        f"--chrome-flags={CHROME_FLAGS}",
        *(f"--blocked-url-patterns={pattern}" for pattern in BLOCKED),
    ]


def audit(url: str, output: Path) -> dict:
    """One Lighthouse run; the figures the budgets and docs/benchmark.md use. The full
    report stays in `output`."""
    for _attempt in range(3):
        result = subprocess.run(
            command(url, output),
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        # Lighthouse's own trace recording sometimes fails on a loaded machine
        # ("NO_NAVSTART"): a failed measurement, not a property of the page.
        if result.returncode == 0 or "Runtime error encountered" not in result.stderr:
            break
    if result.returncode:
        raise LighthouseError(f"lighthouse {url}:\n{result.stdout}\n{result.stderr}")
    return summary(json.loads(output.read_text()))


def failing(report: dict, category: str) -> list[str]:
    """The weighted audits of a category that did not pass: what its score lost."""
    audits = report["audits"]
    return [
        ref["id"]
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] and audits[ref["id"]]["score"] not in (None, 1)
    ]


def summary(report: dict) -> dict:
    """A report's scores, metrics and, for whatever is not perfect, the audits that say why."""
    audits = report["audits"]
    categories = report["categories"]
    # Lighthouse lists an opportunity from 50 ms of savings; a metric is "good" from 0.9.
    opportunities = [
        {"id": name, "savings_ms": round(item["details"]["overallSavingsMs"])}
        for name, item in audits.items()
        if (item.get("details") or {}).get("type") == "opportunity"
        and (item["details"].get("overallSavingsMs") or 0) >= 50
    ]
    return {
        "performance": categories["performance"]["score"],
        "accessibility": categories["accessibility"]["score"],
        "best_practices": categories["best-practices"]["score"],
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 4),
        "bytes": audits["total-byte-weight"]["numericValue"],
        # Lighthouse's measure of the host's CPU speed at the time (higher is faster): a
        # loaded machine scores lower, and its simulated timings grow.
        "benchmark_index": round(report.get("environment", {}).get("benchmarkIndex") or 0),
        "failed_accessibility": failing(report, "accessibility"),
        "failed_best_practices": failing(report, "best-practices"),
        # The metrics that cost performance points (a score under 0.9 in the report).
        "slow_metrics": [
            ref["id"]
            for ref in categories["performance"]["auditRefs"]
            if ref["weight"] and (audits[ref["id"]]["score"] or 0) < 0.9
        ],
        "opportunities": sorted(opportunities, key=lambda item: -item["savings_ms"]),
        # What moved, when something did: the selector of each shifted element.
        "shifted": [
            item.get("node", {}).get("selector", "?")
            for item in (audits.get("layout-shifts", {}).get("details") or {}).get("items", [])
        ],
    }


def median_of_runs(runs: list[dict]) -> dict:
    """One page's figures over several runs: performance, FCP, LCP and TBT (which vary
    with the machine's load) and Lighthouse's CPU benchmark index are their medians;
    accessibility, best practices, layout shift and bytes (which do not, in practice) the
    worst run's."""
    figures = {
        name: statistics.median(run[name] for run in runs)
        for name in ("performance", "fcp_ms", "lcp_ms", "tbt_ms", "benchmark_index")
    }
    figures.update(
        accessibility=min(run["accessibility"] for run in runs),
        best_practices=min(run["best_practices"] for run in runs),
        cls=max(run["cls"] for run in runs),
        bytes=max(run["bytes"] for run in runs),
    )
    # The audits named by any run, once each, in the order they first came.
    for name in ("failed_accessibility", "failed_best_practices", "slow_metrics", "shifted"):
        figures[name] = list(dict.fromkeys(item for run in runs for item in run[name]))
    # What Lighthouse says would save time, from the run whose score is the median.
    middle = sorted(runs, key=lambda run: run["performance"] or 0)[(len(runs) - 1) // 2]
    figures["opportunities"] = middle.get("opportunities", [])
    return figures


def within_budgets(figures: dict) -> dict:
    """Each budget met or not."""
    return {
        "accessibility": figures["accessibility"] >= ACCESSIBILITY,
        "performance": figures["performance"] >= PERFORMANCE,
        "cls": figures["cls"] < LAYOUT_SHIFT,
    }


def audit_page(
    url: str, folder: Path, *, runs: int = RUNS, run_audit: Callable[[str, Path], dict] = audit
) -> dict:
    """`runs` audits of one page (reports in `folder`): the figures of median_of_runs, each
    run's, and the budgets met."""
    folder.mkdir(parents=True, exist_ok=True)
    each = [run_audit(url, folder / f"run-{index}.json") for index in range(runs)]
    figures = median_of_runs(each)
    return {**figures, "budgets": within_budgets(figures), "runs": each}


def score(value) -> str:
    return "—" if value is None else f"{round(value * 100)}"


def markdown(rows: list[dict]) -> list[str]:
    """The table of docs/benchmark.md's Lighthouse section, one row per page."""
    lines = [
        "| page | performance | accessibility | best practices | LCP | TBT | CLS | bytes "
        "| budgets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("skipped"):
            lines.append(
                f"| {row['name']} `{row['path']}` | — | — | — | — | — | — | — | {row['skipped']} |"
            )
            continue
        missed = [name for name, met in row["budgets"].items() if not met]
        verdict = "met" if not missed else "**missed**: " + ", ".join(missed)
        performances = "/".join(score(run["performance"]) for run in row["runs"])
        lines.append(
            f"| {row['name']} `{row['path']}` | {score(row['performance'])} ({performances}) "
            f"| {score(row['accessibility'])} | {score(row['best_practices'])} "
            f"| {row['lcp_ms'] / 1000:.2f} s | {round(row['tbt_ms'])} ms | {row['cls']:g} "
            f"| {round(row['bytes'] / 1000)} kB | {verdict} |"
        )
    return lines
