"""The benchmark report's arithmetic and Markdown, on made-up figures (nothing is timed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aijobs.kb import load
from aijobs.records import Occupation
from aijobs.tools.synthetic import generate
from benchmarks.run import (
    Figure,
    Latency,
    Missing,
    Report,
    Run,
    ScaleFigures,
    SearchFigures,
    Target,
    edit_one_file,
    growth,
    kb_per_record,
    markdown_table,
    median_run,
    percentile,
    ratio,
    render,
    targets,
)

FAILED = Missing("failed", "exit 1: boom")


def scale(records: int, build: float, mb: float, scan: float, peer: float, edit: float = 0.5) -> ScaleFigures:
    return ScaleFigures(
        records,
        build=Run(build, mb),
        yaml_to_sqlite=Run(peer, 40.0),
        event_scan=Run(scan, 30.0),
        construct=Run(scan * 3, 30.0),
        validate_cold=Run(build / 2, mb / 2),
        validate_warm=Run(0.3, 50.0),
        validate_edit=Run(edit, 50.0),
        build_warm=Run(build / 3, mb),
        build_edit=Run(build / 3, mb),
    )


def good_report() -> Report:
    """Figures that meet every target."""
    return Report(
        machine="test machine",
        date="2026-11-22",
        cache_available=True,
        scales={
            10: scale(1_900, build=1.0, mb=100.0, scan=0.5, peer=2.0),
            100: scale(19_000, build=6.0, mb=120.0, scan=2.5, peer=30.0),
            1000: scale(190_000, build=60.0, mb=400.0, scan=25.0, peer=300.0, edit=0.4),
        },
        verify=Run(0.1),
        fmt_cold=Run(0.8, 70.0),
        fmt_warm=Run(0.3, 70.0),
        search=SearchFigures(1000, 190_167, {"all": Latency(296, 0.9, 4.0)}, "296 queries"),
        export=Run(50.0, 900.0),
    )


def statuses(report: Report) -> dict[str, str]:
    return {target.name: target.status for target in targets(report)}


def named(report: Report, word: str) -> Target:
    [target] = [target for target in targets(report) if word in target.name]
    return target


def test_every_target_met_on_good_figures() -> None:
    assert set(statuses(good_report()).values()) == {"met"}
    assert len(targets(good_report())) == 7


def test_ratio_and_growth() -> None:
    assert ratio(Run(6.0), Run(2.0)) == 3.0
    assert ratio(Run(6.0), FAILED) is None
    assert ratio(FAILED, Run(2.0)) is None
    assert ratio(Run(1.0), Run(0.0)) is None
    small, large = scale(1_000, 2.0, 100.0, 1.0, 3.0), scale(10_000, 10.0, 200.0, 5.0, 40.0)
    assert growth(small, large, lambda f: f.build) == pytest.approx(0.5)  # 5x the time for 10x the records
    assert growth(small, large, lambda f: f.yaml_to_sqlite) == pytest.approx(40 / 3 / 10)


def test_memory_per_record_is_above_the_smallest_size() -> None:
    per_record = kb_per_record(good_report().scales)
    assert set(per_record) == {100, 1000}  # the smallest size is the base
    assert per_record[100] == pytest.approx(20 * 1024 / 17_100)
    assert per_record[1000] == pytest.approx(300 * 1024 / 188_100)
    broken = good_report().scales
    broken[10].build = FAILED
    assert kb_per_record(broken) == {100: None, 1000: None}


def test_build_beyond_three_times_the_floor_is_not_met() -> None:
    report = good_report()
    report.scales[1000].build = Run(76.0, 400.0)  # 3.04x the 25 s scan
    target = named(report, "event-scan floor")
    assert target.status == "not met"
    assert "100x: 2.40x" in target.figure and "1000x: 3.04x" in target.figure


def test_memory_beyond_two_kb_per_record_is_not_met() -> None:
    report = good_report()
    report.scales[1000].build = Run(60.0, 100.0 + 190_000 * 2.5 / 1024)  # 2.5 KB a record above 100 MB
    assert named(report, "2 KB").status == "not met"


def test_small_targets_are_judged_on_their_thresholds() -> None:
    report = good_report()
    report.scales[1000].validate_edit = Run(1.0)
    report.verify = Run(0.2)
    report.fmt_cold = Run(1.5)
    report.search = SearchFigures(1000, 190_167, {"all": Latency(296, 10.0, 20.0)})
    report.scales[100].build = Run(31.0, 120.0)  # slower than yaml-to-sqlite's 30 s
    assert statuses(report) == {
        "`aijobs build` within 3x of the event-scan floor at 100x and 1000x": "not met",  # 31 / 2.5
        "peak memory within 2 KB per record above the base (build)": "met",
        "`aijobs validate` after a one-file edit under 1 s at 1000x": "not met",
        "`verify` on the curated data under 0.2 s (after loading)": "not met",
        "`aijobs fmt --check` on the curated data under 1 s (cold)": "not met",
        "search median under 10 ms (largest database)": "not met",
        "`aijobs build` faster than `yaml-to-sqlite` at every size (build / peer)": "not met",
    }


def test_a_failed_or_missing_figure_is_never_met() -> None:
    report = good_report()
    report.scales[1000].build = FAILED
    report.verify = Missing("not measured", "no corpus folder")
    report.search = FAILED
    assert named(report, "event-scan floor").status == "not measured"
    assert named(report, "yaml-to-sqlite").status == "not measured"
    assert named(report, "2 KB").status == "not measured"
    target = named(report, "verify")
    assert (target.status, target.figure) == ("not measured", "not measured (no corpus folder)")
    assert named(report, "search").status == "not measured"


def test_small_scales_do_not_judge_the_large_scale_targets() -> None:
    report = good_report()
    report.scales = {1: scale(191, 0.7, 80.0, 0.05, 0.8), 10: scale(1_900, 1.0, 81.0, 0.5, 2.0)}
    assert named(report, "event-scan floor").status == "not measured"
    assert named(report, "2 KB").status == "not measured"
    assert named(report, "one-file edit").status == "not measured"
    assert named(report, "yaml-to-sqlite").status == "met"


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([5.0, 1.0], 0.5) == 1.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_markdown_table_escapes_pipes_and_checks_widths() -> None:
    assert markdown_table(["a", "b"], [["1", "x|y"]]) == "| a | b |\n|---|---|\n| 1 | x\\|y |"
    with pytest.raises(ValueError, match="2 cells, expected 3"):
        markdown_table(["a", "b", "c"], [["1", "2"]])


def test_the_report_shows_failures_and_a_missing_cache() -> None:
    report = good_report()
    report.cache_available = False
    report.scales[100].yaml_to_sqlite = FAILED
    text = render(report)
    assert "cache: not available in this version" in text
    row = next(line for line in text.splitlines() if line.startswith("| 100x | 19,000 |"))
    assert row.split(" | ")[4:6] == ["failed", "failed"]  # yaml-to-sqlite's seconds and MB
    assert "| `aijobs build` within 3x of the event-scan floor at 100x and 1000x | 100x: 2.40x; 1000x: 2.40x |" in text
    targets_table = text.split("## Targets")[1]
    assert targets_table.count("**met**") == 6 and "**not measured**" in targets_table  # build / peer at 100x


def test_a_one_file_edit_keeps_the_record_valid(tmp_path: Path) -> None:
    root = tmp_path / "curated"
    generate(root, 1)
    assert edit_one_file(root, 1) and edit_one_file(root, 2)
    occupation = load(root).get("occupation-0")  # raises if the edit made anything invalid
    assert isinstance(occupation, Occupation) and occupation.description is not None
    assert occupation.description.text.startswith("Edited 2 times. Edited 1 times. A generated occupation")
    assert not edit_one_file(tmp_path / "nowhere", 1)


def test_median_run_is_the_middle_time_and_a_failure_wins() -> None:
    runs: list[Figure] = [Run(3.0, 90), Run(1.0, 70), Run(2.0, 80)]
    assert median_run(runs) == Run(2.0, 80)
    assert median_run([Run(5.0, 1)]) == Run(5.0, 1)
    assert median_run([*runs, FAILED]) == FAILED
    assert isinstance(median_run([]), Missing)
