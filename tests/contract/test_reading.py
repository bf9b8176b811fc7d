"""Reading a report through views, and the comparison document's own version."""

import json

import numpy as np
import pytest

from builders import report_with, run_result
from harness.contract import comparison as comparison_document
from harness.contract import report
from harness.contract.reading import Report, Run, pairs_of_replicas
from harness.errors import ReportError
from harness.host import compare


def test_a_run_reads_by_name_whether_in_memory_or_from_a_file(tmp_path):
    document = report_with([run_result("a", loss=(1.0, float("nan")), status="nan"), run_result("b")])
    stored = tmp_path / "r.json"
    report.write(str(stored), document)
    for source in (document, report.load(str(stored))):
        case = Report(source).cases[0]
        a, b = case.runs
        assert (a.variant, a.status, a.finished, b.status) == ("a", "nan", True, "ok")
        assert np.isnan(a.final_value("loss")) and np.isnan(a.history["loss"][-1])
        assert np.isnan(a.final_value("never_recorded"))
        weight = b.weights("final")[0]
        assert (weight.index, weight.name, weight.sum, weight.l2) == (0, "dense/w0", 4.0, 2.0)
        assert case.checks[0].verdict == "known_failure"


def test_bitwise_differences_name_what_differs():
    a = run_result("a")
    assert a.bitwise_differences(run_result("a")) == []
    moved = run_result("a", loss=(1.0, 0.5000001), weights=[np.full((2, 2), 2.0, "float32"), np.zeros(2, "float32")])
    assert a.bitwise_differences(moved) == ["loss", "val_loss", "weights.initial", "weights.final"]


def test_replica_pairs_need_both_runs():
    runs = [run_result("a"), run_result("a", replica=1), run_result("b"), run_result("a", repeat=1)]
    pairs = pairs_of_replicas(runs)
    assert list(pairs) == [("a", "framework")] and all(isinstance(run, Run) for run in pairs[("a", "framework")])


def test_the_comparison_document_is_versioned_and_refuses_other_versions(tmp_path):
    same = report_with([run_result("a"), run_result("b")])
    comparison = compare.compare([("x", same), ("y", same)])
    assert comparison["schema_version"] == comparison_document.SCHEMA_VERSION
    path = tmp_path / "comparison.json"
    comparison_document.write(str(path), comparison)
    assert comparison_document.load(str(path))["environments"][0]["name"] == "x"
    for version in (0, 1, None):
        stored = dict(comparison, schema_version=version)
        path.write_text(json.dumps(stored))
        with pytest.raises(ReportError, match="schema_version .* is not supported .*; run harness compare again"):
            comparison_document.load(str(path))
    path.write_text(json.dumps({"environments": []}))
    with pytest.raises(ReportError, match="not a harness comparison"):
        comparison_document.load(str(path))
    with pytest.raises(AssertionError, match="refusing to write an invalid comparison"):
        comparison_document.write(str(path), dict(comparison, gate=None))
