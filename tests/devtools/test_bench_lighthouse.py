"""The benchmark's Lighthouse target (devtools/bench/lighthouse.py) without Lighthouse:
what it reads from a report, how it sums up three runs, the table it writes. The real
runs are tests/stack/test_lighthouse.py's (the same `audit`) and `make bench
BENCH_ARGS="--only lighthouse"`'s."""

import pytest

from devtools.bench import lighthouse


def report(*, performance=0.95, contrast=1, lcp=2100.0, cls=0.0, savings=None):
    """The parts of a Lighthouse 12 JSON report that the summary reads."""
    audits = {
        "first-contentful-paint": {"score": 0.9, "numericValue": 1200.4},
        "largest-contentful-paint": {"score": 0.8 if lcp > 2500 else 1, "numericValue": lcp},
        "total-blocking-time": {"score": 1, "numericValue": 40.2},
        "cumulative-layout-shift": {"score": 1, "numericValue": cls},
        "total-byte-weight": {"score": 1, "numericValue": 412_345},
        "color-contrast": {"score": contrast},
        "image-alt": {"score": None},  # not applicable: not a failure
        "errors-in-console": {"score": 1},
        "layout-shifts": {"details": {"items": [{"node": {"selector": "div.legend"}}]}},
        "render-blocking-resources": {
            "score": 0.5,
            "details": {"type": "opportunity", "overallSavingsMs": savings or 0},
        },
    }
    return {
        "categories": {
            "performance": {
                "score": performance,
                "auditRefs": [
                    {"id": "first-contentful-paint", "weight": 10},
                    {"id": "largest-contentful-paint", "weight": 25},
                    {"id": "total-blocking-time", "weight": 30},
                    {"id": "cumulative-layout-shift", "weight": 25},
                    {"id": "render-blocking-resources", "weight": 0},
                ],
            },
            "accessibility": {
                "score": 1 if contrast == 1 else 0.96,
                "auditRefs": [
                    {"id": "color-contrast", "weight": 7},
                    {"id": "image-alt", "weight": 10},
                ],
            },
            "best-practices": {
                "score": 1,
                "auditRefs": [{"id": "errors-in-console", "weight": 1}],
            },
        },
        "audits": audits,
        "environment": {"benchmarkIndex": 1500.4},
    }


def test_the_summary_names_what_a_score_lost():
    figures = lighthouse.summary(report(contrast=0, lcp=3456.7, cls=0.06, savings=310))

    assert figures["accessibility"] == 0.96
    assert figures["failed_accessibility"] == ["color-contrast"]
    assert figures["failed_best_practices"] == []
    assert figures["lcp_ms"] == 3457
    assert figures["tbt_ms"] == 40
    assert figures["cls"] == 0.06
    assert figures["bytes"] == 412_345
    assert figures["benchmark_index"] == 1500
    assert figures["slow_metrics"] == ["largest-contentful-paint"]
    assert figures["opportunities"] == [{"id": "render-blocking-resources", "savings_ms": 310}]
    assert figures["shifted"] == ["div.legend"]


def test_a_page_counts_the_median_performance_and_the_worst_layout_shift(tmp_path):
    reports = iter(
        [
            report(performance=0.97, lcp=1900.0),
            report(performance=0.81, lcp=3200.0, cls=0.06),
            report(performance=0.92, lcp=2300.0),
        ]
    )
    seen = []

    def fake_audit(url, output):
        seen.append((url, output))
        return lighthouse.summary(next(reports))

    row = lighthouse.audit_page(
        "http://127.0.0.1:1/poles/", tmp_path / "directory", run_audit=fake_audit
    )

    assert [output.name for _url, output in seen] == ["run-0.json", "run-1.json", "run-2.json"]
    assert {url for url, _output in seen} == {"http://127.0.0.1:1/poles/"}
    assert row["performance"] == 0.92
    assert row["lcp_ms"] == 2300
    assert row["cls"] == 0.06
    assert row["accessibility"] == 1
    assert row["budgets"] == {"accessibility": True, "performance": True, "cls": False}
    assert [run["performance"] for run in row["runs"]] == [0.97, 0.81, 0.92]
    assert row["shifted"] == ["div.legend"]

    lines = lighthouse.markdown(
        [
            {"name": "directory", "path": "/poles/", **row},
            {"name": "pole", "path": "/poles/x/", "skipped": "node not found"},
        ]
    )
    assert lines[2] == (
        "| directory `/poles/` | 92 (97/81/92) | 100 | 100 | 2.30 s | 40 ms | 0.06 | 412 kB "
        "| **missed**: cls |"
    )
    assert lines[3].startswith("| pole `/poles/x/` | — |") and "node not found" in lines[3]


@pytest.mark.parametrize(
    ("performance", "accessibility", "met"),
    [(0.90, 1.0, True), (0.89, 1.0, False), (0.99, 0.98, False)],
)
def test_the_budgets_are_the_stack_tests(performance, accessibility, met):
    figures = {"performance": performance, "accessibility": accessibility, "cls": 0.0}
    assert all(lighthouse.within_budgets(figures).values()) is met
