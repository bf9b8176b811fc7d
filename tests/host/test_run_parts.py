"""What each part of a run costs, and which checks the matrix plan's one seed would judge otherwise
(benchmarks/run_parts.py): read from reports, no framework."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "benchmarks"))

import run_parts  # noqa: E402


def _run(init_mode, repeat, replica=0, seconds=1.0):
    return {"init_mode": init_mode, "repeat": repeat, "replica": replica, "timing": {"wall_s": seconds}}


def _report(verdicts):
    """One training case of three seeds whose check has the given verdict per repeat, and one family."""
    groups = [{"init_mode": "pinned", "repeat": repeat, "verdict": verdict} for repeat, verdict in enumerate(verdicts)]
    worst = "fail" if "fail" in verdicts else "pass"
    runs = [_run("pinned", 0), _run("pinned", 0, replica=1, seconds=2.0), _run("controlled", 0, seconds=4.0),
            _run("pinned", 1, seconds=8.0), _run("pinned", 2, seconds=16.0)]
    return {"cases": [{"id": "c", "kind": "training", "runs": runs,
                       "checks": [{"id": "k", "groups": groups, "verdict": worst}]},
                      {"id": "rules_generated", "kind": "rules", "runs": [_run("pinned", 0, seconds=32.0)], "checks": []}]}


def test_each_run_counts_in_its_part():
    seconds, counts = run_parts.parts(_report(["pass"] * 3))
    assert dict(seconds) == {"first seed": 1.0, "determinism re-runs, pinned init": 2.0, "controlled runs": 4.0,
                             "more seeds": 24.0, "rule families (generated)": 32.0}
    assert counts["more seeds"] == 2


def test_a_check_that_fails_only_on_a_later_seed_is_named():
    assert run_parts.repeat_zero_agrees(_report(["pass", "pass", "pass"])) == (1, [])
    judged, differ = run_parts.repeat_zero_agrees(_report(["pass", "pass", "fail"]))
    assert judged == 1 and differ == ["c/k: pass on repeat 0, fail on every seed"]


def test_a_report_of_one_seed_judges_nothing_here():
    """One seed cannot tell what later seeds would say: counted as not judged, never as agreeing."""
    assert run_parts.repeat_zero_agrees(_report(["fail"])) == (0, [])
